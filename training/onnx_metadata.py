"""ONNX model metadata (`metadata_props`) for the training scripts' exports: what the C# loaders check and report."""
import onnx


def write_metadata(path, items):
    """Adds each key and string value of `items` to the model file at `path`."""
    proto = onnx.load(path)
    for key, value in items.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, path)

using System.Runtime.InteropServices;

namespace Demand.Infrastructure.Onnx;

/// <summary>Owns one native ONNX Runtime object and releases it exactly once, even if the owner is never disposed.</summary>
internal sealed class OrtHandle : SafeHandle
{
    private readonly Action<nint> _release;

    public OrtHandle(nint handle, Action<nint> release)
        : base(0, ownsHandle: true)
    {
        _release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        return true;
    }
}

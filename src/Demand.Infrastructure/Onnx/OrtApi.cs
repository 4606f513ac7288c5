using System.Runtime.InteropServices;

namespace Demand.Infrastructure.Onnx;

/// <summary>
/// The ONNX Runtime C API function table (<c>OrtGetApiBase()->GetApi(30)</c>) of the native library shipped in
/// npm onnxruntime-node 1.30.0. Only the slots we call are bound; the table only ever appends, so early slot
/// numbers are stable (onnxruntime_c_api.h).
/// </summary>
internal sealed unsafe class OrtApi
{
    public const uint ApiVersion = 30;

    private const int GetErrorMessageSlot = 2;
    private const int CreateEnvSlot = 3;
    private const int CreateSessionFromArraySlot = 8;
    private const int RunSlot = 9;
    private const int CreateSessionOptionsSlot = 10;
    private const int SetSessionGraphOptimizationLevelSlot = 23;
    private const int SetIntraOpNumThreadsSlot = 24;
    private const int SetInterOpNumThreadsSlot = 25;
    private const int CreateTensorWithDataAsOrtValueSlot = 49;
    private const int GetTensorMutableDataSlot = 51;
    private const int CreateCpuMemoryInfoSlot = 69;
    private const int ReleaseEnvSlot = 92;
    private const int ReleaseStatusSlot = 93;
    private const int ReleaseMemoryInfoSlot = 94;
    private const int ReleaseSessionSlot = 95;
    private const int ReleaseValueSlot = 96;
    private const int ReleaseSessionOptionsSlot = 100;

    private static readonly Lock Gate = new();
    private static OrtApi? _instance;
    private readonly nint* _table;

    private OrtApi(nint* table, string version)
    {
        _table = table;
        Version = version;
    }

    public string Version { get; }

    /// <summary>Loads the native library once per process.</summary>
    /// <exception cref="OnnxRuntimeException">The library is missing or does not serve API version 30.</exception>
    public static OrtApi Load(string libraryPath)
    {
        if (!File.Exists(libraryPath))
        {
            throw new OnnxRuntimeException($"The ONNX Runtime library was not found at '{libraryPath}'. Install it with 'npm ci' (onnxruntime-node 1.30.0) or set Model:OnnxRuntimePath.");
        }

        lock (Gate)
        {
            if (_instance is not null)
            {
                return _instance;
            }

            nint handle;
            try
            {
                handle = NativeLibrary.Load(libraryPath);
            }
            catch (DllNotFoundException ex)
            {
                throw new OnnxRuntimeException($"The ONNX Runtime library at '{libraryPath}' could not be loaded: {ex.Message}", ex);
            }

            var getApiBase = (delegate* unmanaged<nint*>)NativeLibrary.GetExport(handle, "OrtGetApiBase");
            var apiBase = getApiBase();
            var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
            var getVersion = (delegate* unmanaged<nint>)apiBase[1];
            var version = Marshal.PtrToStringUTF8(getVersion()) ?? "unknown";
            var table = getApi(ApiVersion);
            if (table is null)
            {
                throw new OnnxRuntimeException($"ONNX Runtime {version} at '{libraryPath}' does not serve C API version {ApiVersion}.");
            }

            _instance = new OrtApi(table, version);
            return _instance;
        }
    }

    public void Check(nint status)
    {
        if (status == 0)
        {
            return;
        }

        var message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)_table[GetErrorMessageSlot])(status)) ?? "unknown error";
        ((delegate* unmanaged<nint, void>)_table[ReleaseStatusSlot])(status);
        throw new OnnxRuntimeException("ONNX Runtime: " + message);
    }

    public nint CreateEnv(string logId)
    {
        nint env;
        var name = Marshal.StringToCoTaskMemUTF8(logId);
        try
        {
            Check(((delegate* unmanaged<int, nint, nint*, nint>)_table[CreateEnvSlot])(3 /* ERROR */, name, &env));
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }

        return env;
    }

    public nint CreateSessionOptions(int intraOpThreads)
    {
        nint options;
        Check(((delegate* unmanaged<nint*, nint>)_table[CreateSessionOptionsSlot])(&options));
        Check(((delegate* unmanaged<nint, int, nint>)_table[SetIntraOpNumThreadsSlot])(options, intraOpThreads));
        Check(((delegate* unmanaged<nint, int, nint>)_table[SetInterOpNumThreadsSlot])(options, 1));
        Check(((delegate* unmanaged<nint, int, nint>)_table[SetSessionGraphOptimizationLevelSlot])(options, 99 /* ORT_ENABLE_ALL */));
        return options;
    }

    public nint CreateSession(nint env, ReadOnlySpan<byte> model, nint options)
    {
        nint session;
        fixed (byte* data = model)
        {
            Check(((delegate* unmanaged<nint, byte*, nuint, nint, nint*, nint>)_table[CreateSessionFromArraySlot])(env, data, (nuint)model.Length, options, &session));
        }

        return session;
    }

    public nint CreateCpuMemoryInfo()
    {
        nint info;
        Check(((delegate* unmanaged<int, int, nint*, nint>)_table[CreateCpuMemoryInfoSlot])(0 /* OrtDeviceAllocator */, 0 /* OrtMemTypeDefault */, &info));
        return info;
    }

    /// <summary>Runs a [rows, columns] float input through the session; writes [rows] outputs.</summary>
    public void Run(nint session, nint memoryInfo, ReadOnlySpan<byte> inputName, ReadOnlySpan<byte> outputName, ReadOnlySpan<float> input, int rows, int columns, Span<float> output)
    {
        var shape = stackalloc long[2] { rows, columns };
        nint inputValue = 0, outputValue = 0;
        fixed (float* data = input)
        fixed (byte* inName = inputName)
        fixed (byte* outName = outputName)
        {
            try
            {
                Check(((delegate* unmanaged<nint, float*, nuint, long*, nuint, int, nint*, nint>)_table[CreateTensorWithDataAsOrtValueSlot])(
                    memoryInfo, data, (nuint)(rows * columns * sizeof(float)), shape, 2, 1 /* FLOAT */, &inputValue));
                var inputNames = stackalloc byte*[1] { inName };
                var outputNames = stackalloc byte*[1] { outName };
                var inputs = stackalloc nint[1] { inputValue };
                Check(((delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)_table[RunSlot])(
                    session, 0, inputNames, inputs, 1, outputNames, 1, &outputValue));
                float* result;
                Check(((delegate* unmanaged<nint, float**, nint>)_table[GetTensorMutableDataSlot])(outputValue, &result));
                new ReadOnlySpan<float>(result, rows).CopyTo(output);
            }
            finally
            {
                if (inputValue != 0)
                {
                    ReleaseValue(inputValue);
                }

                if (outputValue != 0)
                {
                    ReleaseValue(outputValue);
                }
            }
        }
    }

    public void ReleaseValue(nint value) => ((delegate* unmanaged<nint, void>)_table[ReleaseValueSlot])(value);

    public void ReleaseEnv(nint env) => ((delegate* unmanaged<nint, void>)_table[ReleaseEnvSlot])(env);

    public void ReleaseSession(nint session) => ((delegate* unmanaged<nint, void>)_table[ReleaseSessionSlot])(session);

    public void ReleaseSessionOptions(nint options) => ((delegate* unmanaged<nint, void>)_table[ReleaseSessionOptionsSlot])(options);

    public void ReleaseMemoryInfo(nint info) => ((delegate* unmanaged<nint, void>)_table[ReleaseMemoryInfoSlot])(info);
}

/// <summary>ONNX Runtime could not be loaded or refused an operation.</summary>
public sealed class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException(string message)
        : base(message)
    {
    }

    public OnnxRuntimeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

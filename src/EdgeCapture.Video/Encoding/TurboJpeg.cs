using System.Runtime.InteropServices;

namespace EdgeCapture.Video.Encoding;

/// <summary>
/// The TurboJPEG API of libjpeg-turbo (Debian/Raspberry Pi OS package <c>libturbojpeg0</c>, turbojpeg.h 2.x).
/// <c>unsigned long</c> is pointer-sized on Linux (LP64 and ILP32), hence <see cref="nuint"/>.
/// </summary>
internal static partial class TurboJpeg
{
    public const string Library = "libturbojpeg.so.0";

    // enum TJSAMP
    public const int Subsampling444 = 0;
    public const int Subsampling422 = 1;
    public const int Subsampling420 = 2;
    public const int SubsamplingGray = 3;

    // enum TJPF
    public const int PixelFormatRgb = 0;
    public const int PixelFormatGray = 6;

    // TJFLAG_*
    public const int FlagFastUpsample = 256;
    public const int FlagNoRealloc = 1024;
    public const int FlagFastDct = 2048;

    [LibraryImport(Library, EntryPoint = "tjInitCompress")]
    public static partial nint InitCompress();

    [LibraryImport(Library, EntryPoint = "tjInitDecompress")]
    public static partial nint InitDecompress();

    [LibraryImport(Library, EntryPoint = "tjDestroy")]
    public static partial int Destroy(nint handle);

    [LibraryImport(Library, EntryPoint = "tjBufSize")]
    public static partial nuint BufferSize(int width, int height, int subsampling);

    [LibraryImport(Library, EntryPoint = "tjCompressFromYUVPlanes")]
    public static unsafe partial int CompressFromYuvPlanes(
        nint handle, byte** sourcePlanes, int width, int* strides, int height, int subsampling,
        byte** jpegBuffer, nuint* jpegSize, int quality, int flags);

    [LibraryImport(Library, EntryPoint = "tjCompress2")]
    public static unsafe partial int Compress2(
        nint handle, byte* source, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuffer, nuint* jpegSize, int subsampling, int quality, int flags);

    [LibraryImport(Library, EntryPoint = "tjDecompressHeader3")]
    public static unsafe partial int DecompressHeader3(
        nint handle, byte* jpegBuffer, nuint jpegSize, int* width, int* height, int* subsampling, int* colorspace);

    [LibraryImport(Library, EntryPoint = "tjDecompress2")]
    public static unsafe partial int Decompress2(
        nint handle, byte* jpegBuffer, nuint jpegSize, byte* destination, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library, EntryPoint = "tjGetErrorCode")]
    public static partial int GetErrorCode(nint handle);

    /// <summary>TJERR_WARNING: the image was produced but the data had a recoverable problem (common with MJPEG).</summary>
    public const int ErrorWarning = 0;

    [LibraryImport(Library, EntryPoint = "tjGetErrorStr2")]
    public static partial nint GetErrorString(nint handle);

    public static string ErrorText(nint handle) => Marshal.PtrToStringUTF8(GetErrorString(handle)) ?? "unknown TurboJPEG error";
}

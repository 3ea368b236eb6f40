using System.Runtime.InteropServices;

namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// Decodes a JPEG to 8-bit gray at full size with libjpeg-turbo's TurboJPEG API (Debian package <c>libturbojpeg0</c>),
/// into a buffer reused from frame to frame. Used only to find the pointer in the frame before a click.
/// </summary>
internal sealed partial class GrayJpegDecoder : IDisposable
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatGray = 6;
    private const int FlagFastUpsample = 256;
    private const int FlagFastDct = 2048;
    private const int ErrorWarning = 0;
    private nint _handle;
    private byte[] _pixels = [];

    public GrayJpegDecoder()
    {
        _handle = InitDecompress();
        if (_handle == 0)
        {
            throw new InvalidOperationException("tjInitDecompress failed.");
        }
    }

    /// <summary>Decodes <paramref name="jpeg"/>; returns false (and no image) for data that does not decode.</summary>
    public unsafe bool TryDecode(ReadOnlySpan<byte> jpeg, out GrayImage image)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        image = default;
        int width, height, subsampling, colorspace;
        fixed (byte* data = jpeg)
        {
            if (DecompressHeader3(_handle, data, (nuint)jpeg.Length, &width, &height, &subsampling, &colorspace) != 0 || width <= 0 || height <= 0)
            {
                return false;
            }

            int size = checked(width * height);
            if (_pixels.Length < size)
            {
                _pixels = new byte[size];
            }

            fixed (byte* destination = _pixels)
            {
                int result = Decompress2(_handle, data, (nuint)jpeg.Length, destination, width, width, height, PixelFormatGray, FlagFastUpsample | FlagFastDct);
                if (result != 0 && GetErrorCode(_handle) != ErrorWarning)
                {
                    return false;
                }
            }
        }

        image = new GrayImage(_pixels, width, height);
        return true;
    }

    public void Dispose()
    {
        nint handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
        {
            _ = Destroy(handle);
        }
    }

    [LibraryImport(Library, EntryPoint = "tjInitDecompress")]
    private static partial nint InitDecompress();

    [LibraryImport(Library, EntryPoint = "tjDestroy")]
    private static partial int Destroy(nint handle);

    [LibraryImport(Library, EntryPoint = "tjDecompressHeader3")]
    private static unsafe partial int DecompressHeader3(nint handle, byte* jpegBuffer, nuint jpegSize, int* width, int* height, int* subsampling, int* colorspace);

    [LibraryImport(Library, EntryPoint = "tjDecompress2")]
    private static unsafe partial int Decompress2(nint handle, byte* jpegBuffer, nuint jpegSize, byte* destination, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library, EntryPoint = "tjGetErrorCode")]
    private static partial int GetErrorCode(nint handle);
}

/// <summary>An 8-bit gray image, row-major, stride = width.</summary>
/// <param name="Pixels">The pixels (at least width x height).</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
internal readonly record struct GrayImage(byte[] Pixels, int Width, int Height)
{
    public byte this[int x, int y] => Pixels[(y * Width) + x];
}

using System.Runtime.CompilerServices;
using EdgeCapture.Linux;
using EdgeCapture.Input.Evdev;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Input.Tests;

public sealed class InputEventCodecTests
{
    [Fact]
    public void Input_event_has_the_kernel_size_for_this_architecture()
    {
        Assert.Equal(24, Unsafe.SizeOf<LinuxInputEvent64>());
        Assert.Equal(16, Unsafe.SizeOf<LinuxInputEvent32>());
        Assert.Equal(Environment.Is64BitProcess ? 24 : 16, InputEventCodec.EventSize);
        Assert.Equal(IntPtr.Size == 8 ? 24 : 16, InputEventCodec.EventSize);
    }

    [Fact]
    public void Encoding_matches_the_native_struct_layout()
    {
        var inputEvent = new EvdevEvent(12_345_678_901_000, EventTypes.Key, KeyCodes.A, KeyValues.Pressed);
        byte[] bytes = new byte[InputEventCodec.EventSize];
        InputEventCodec.Encode(inputEvent, bytes);
        if (Environment.Is64BitProcess)
        {
            LinuxInputEvent64 native = Unsafe.ReadUnaligned<LinuxInputEvent64>(ref bytes[0]);
            Assert.Equal((12_345L, 678_901L, (ushort)1, (ushort)30, 1), (native.tv_sec, native.tv_usec, native.type, native.code, native.value));
        }
        else
        {
            LinuxInputEvent32 native = Unsafe.ReadUnaligned<LinuxInputEvent32>(ref bytes[0]);
            Assert.Equal((12_345u, 678_901u, (ushort)1, (ushort)30, 1), (native.tv_sec, native.tv_usec, native.type, native.code, native.value));
        }
    }

    [Fact]
    public void Round_trip_keeps_microsecond_time_and_fields()
    {
        Prop.ForAll(
            Gen.Choose(0, int.MaxValue).ToArbitrary(),
            Gen.Choose(0, 999_999).ToArbitrary(),
            Gen.Choose(0, ushort.MaxValue).ToArbitrary(),
            (seconds, microseconds, code) =>
            {
                var original = new EvdevEvent(seconds * 1_000_000_000L + microseconds * 1_000L, (ushort)(code % 32), (ushort)code, code - 30_000);
                byte[] bytes = new byte[InputEventCodec.EventSize];
                InputEventCodec.Encode(original, bytes);
                return InputEventCodec.TryDecode(bytes, out EvdevEvent decoded) && decoded == original;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Impossible_microseconds_are_rejected()
    {
        byte[] bytes = new byte[InputEventCodec.EventSize];
        InputEventCodec.Encode(new EvdevEvent(1_000_000_000, EventTypes.Key, KeyCodes.A, 1), bytes);
        bytes[Environment.Is64BitProcess ? 8 : 4] = 0xFF;
        bytes[Environment.Is64BitProcess ? 9 : 5] = 0xFF;
        bytes[Environment.Is64BitProcess ? 10 : 6] = 0xFF;
        Assert.False(InputEventCodec.TryDecode(bytes, out _));
        Assert.False(InputEventCodec.TryDecode(bytes.AsSpan(0, InputEventCodec.EventSize - 1), out _));
    }
}

using EdgeCapture.Input;

namespace EdgeCapture.Input.Tests;

public sealed class InputTapTests
{
    [Fact]
    public async Task Offered_events_reach_the_reader_in_order()
    {
        var tap = new InputTap(8);
        Assert.True(tap.TryOffer(new InputTapEvent(1, 7, InputDeviceKind.Keyboard, 1, 30, 1)));
        Assert.True(tap.TryOffer(new InputTapEvent(2, 7, InputDeviceKind.Keyboard, 1, 30, 0)));
        tap.Complete();

        var received = new List<InputTapEvent>();
        await foreach (InputTapEvent inputEvent in tap.Reader.ReadAllAsync())
        {
            received.Add(inputEvent);
        }

        Assert.Equal([new InputTapEvent(1, 7, InputDeviceKind.Keyboard, 1, 30, 1), new InputTapEvent(2, 7, InputDeviceKind.Keyboard, 1, 30, 0)], received);
        Assert.Equal(0, tap.DroppedEventCount);
    }

    [Fact]
    public void A_full_tap_refuses_the_newest_event_and_counts_it_without_waiting()
    {
        var tap = new InputTap(2);
        Assert.True(tap.TryOffer(new InputTapEvent(1, 1, InputDeviceKind.Mouse, 2, 0, 5)));
        Assert.True(tap.TryOffer(new InputTapEvent(2, 1, InputDeviceKind.Mouse, 2, 0, 6)));
        Assert.False(tap.TryOffer(new InputTapEvent(3, 1, InputDeviceKind.Mouse, 2, 0, 7)));
        Assert.False(tap.TryOffer(new InputTapEvent(4, 1, InputDeviceKind.Mouse, 2, 0, 8)));

        Assert.Equal(2, tap.DroppedEventCount);
        Assert.True(tap.Reader.TryRead(out InputTapEvent first));
        Assert.Equal(5, first.Value);
        Assert.True(tap.TryOffer(new InputTapEvent(5, 1, InputDeviceKind.Mouse, 2, 0, 9)));
        Assert.True(tap.Reader.TryRead(out InputTapEvent second));
        Assert.True(tap.Reader.TryRead(out InputTapEvent third));
        Assert.Equal((6, 9), (second.Value, third.Value));
    }

    [Fact]
    public void Offers_after_completion_are_counted_as_dropped()
    {
        var tap = new InputTap(4);
        tap.Complete();
        Assert.False(tap.TryOffer(new InputTapEvent(1, 1, InputDeviceKind.Keyboard, 1, 30, 1)));
        Assert.Equal(1, tap.DroppedEventCount);
    }

    [Fact]
    public void Capacity_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InputTap(0));
    }
}

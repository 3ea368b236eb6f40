namespace EdgeCapture.Hid;

/// <summary>What the gadget's mouse function presents to the host.</summary>
public enum PointerMode
{
    /// <summary>The relative mouse (firmware/hid/mouse.hid): the physical mouse's motion is forwarded; the host accelerates it. The default.</summary>
    Relative,

    /// <summary>The absolute pointer (firmware/hid/absolute-pointer.hid): the box owns the position on the captured screen.</summary>
    Absolute,
}

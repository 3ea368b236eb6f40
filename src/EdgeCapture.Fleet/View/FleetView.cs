using System.Collections.Concurrent;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.View;

/// <summary>
/// The fleet as seen from the broker: folds births, deaths, statuses and reported configurations (retained or live)
/// into one record per device. Messages that do not decode are counted and dropped; a status of an older birth than the
/// one known is ignored. Thread-safe.
/// </summary>
public sealed class FleetView
{
    private readonly ConcurrentDictionary<string, FleetDeviceRecord> _devices = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Func<string, DevicePublicKey?>? _enrolledKey;
    private long _malformed;

    /// <summary>Creates an empty view.</summary>
    /// <param name="time">The clock for last-seen times.</param>
    /// <param name="enrolledKey">
    /// The enrolled key of a device (the collector's index), or null to accept a presence signed by the key its own birth
    /// names (an operator's view without the index). With it, a presence not signed by the enrolled key is refused.
    /// </param>
    public FleetView(TimeProvider time, Func<string, DevicePublicKey?>? enrolledKey = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _enrolledKey = enrolledKey;
    }

    /// <summary>
    /// The topic filters a view subscribes to: the box's signed presence on <c>up/presence</c> (one birth and Will per
    /// connection, the fleet birth in its details: what a box sharing its upload connection publishes), the stand-alone
    /// agent's <c>up/fleet/birth|death</c>, and status and reported configuration.
    /// </summary>
    public static IReadOnlyList<string> Subscriptions { get; } =
        [UploadTopics.AllPresence, FleetTopics.AllDevices("birth"), FleetTopics.AllDevices("death"), FleetTopics.AllDevices("status"), FleetTopics.AllDevices("reported")];

    /// <summary>Whether <paramref name="topic"/> is a device's <c>edgecapture/v1/{id}/up/presence</c>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="deviceId">The device id.</param>
    /// <returns>Whether it is.</returns>
    public static bool TryParsePresenceTopic(string topic, out string deviceId)
    {
        ArgumentNullException.ThrowIfNull(topic);
        deviceId = string.Empty;
        string[] levels = topic.Split('/');
        if (levels.Length != 5 || levels[0] + "/" + levels[1] != FleetTopics.Root || levels[3] + "/" + levels[4] != UploadTopics.PresenceSuffix
            || !FleetTopics.IsValidName(levels[2]) || levels[2] == FleetTopics.GroupsLevel)
        {
            return false;
        }

        deviceId = levels[2];
        return true;
    }

    /// <summary>Messages dropped because they did not decode or named another device than their topic.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Every device known, by id.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<FleetDeviceRecord> Devices() => _devices.Values.OrderBy(device => device.DeviceId, StringComparer.Ordinal).ToList();

    /// <summary>One device, or null.</summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>Its record.</returns>
    public FleetDeviceRecord? Device(string deviceId) => _devices.TryGetValue(deviceId, out FleetDeviceRecord? record) ? record : null;

    /// <summary>Folds one received message in; returns false (and counts it) when it is not a fleet presence message.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>Whether the message was used.</returns>
    public bool Apply(string topic, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (payload.IsEmpty)
        {
            // A cleared retained message.
            return false;
        }

        try
        {
            if (TryParsePresenceTopic(topic, out string device))
            {
                return ApplyPresence(device, payload);
            }

            if (FleetTopics.TryParseDeviceTopic(topic, "birth", out device))
            {
                FleetBirth birth = FleetJsonMessages.Decode<FleetBirth>(payload);
                return Same(device, birth.Device) && Update(device, record => record.Birth is { } known && known.BdSeq > birth.BdSeq ? record : record with { Birth = birth });
            }

            if (FleetTopics.TryParseDeviceTopic(topic, "death", out device))
            {
                FleetDeath death = FleetJsonMessages.Decode<FleetDeath>(payload);
                return Same(device, death.Device) && Update(device, record => record.Death is { } known && known.BdSeq > death.BdSeq ? record : record with { Death = death });
            }

            if (FleetTopics.TryParseDeviceTopic(topic, "status", out device))
            {
                FleetStatus status = FleetJsonMessages.Decode<FleetStatus>(payload);
                return Same(device, status.Device) && Update(device, record => record.Status is { } known && (known.BdSeq > status.BdSeq || (known.BdSeq == status.BdSeq && known.Sequence > status.Sequence)) ? record : record with { Status = status });
            }

            if (FleetTopics.TryParseDeviceTopic(topic, "reported", out device))
            {
                FleetReportedConfiguration reported = FleetJsonMessages.Decode<FleetReportedConfiguration>(payload);
                return Same(device, reported.Device) && Update(device, record => record with { Reported = reported });
            }
        }
        catch (FleetMessageFormatException)
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }

        Interlocked.Increment(ref _malformed);
        return false;
    }

    /// <summary>
    /// A signed presence: a birth whose details are the fleet birth (same device and <c>bdSeq</c>, and signed by the device key
    /// the birth names, so a response verified with that key comes from the box that published the birth), or a death (the
    /// Will) with its <c>bdSeq</c>. A birth without fleet details (a box without fleet) is not a fleet message.
    /// </summary>
    private bool ApplyPresence(string device, ReadOnlySpan<byte> payload)
    {
        SignedMessage<PresenceMessage> signed;
        try
        {
            signed = PresenceCodec.Decode(payload.ToArray());
        }
        catch (ProtocolFormatException)
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }

        PresenceMessage presence = signed.Message;
        if (!Same(device, presence.DeviceId))
        {
            return false;
        }

        if (_enrolledKey is not null && (_enrolledKey(device) is not { } enrolled || !signed.IsSignedBy(enrolled)))
        {
            // Not enrolled, or not signed by the enrolled key: neither its birth nor its death is believed.
            Interlocked.Increment(ref _malformed);
            return false;
        }

        if (!presence.Online)
        {
            var death = new FleetDeath(device, presence.BirthDeathSequence);
            return Update(device, record => record.Death is { } known && known.BdSeq > death.BdSeq ? record : record with { Death = death });
        }

        if (presence.BirthDetails.IsEmpty)
        {
            return false;
        }

        FleetBirth birth = FleetJsonMessages.Decode<FleetBirth>(presence.BirthDetails.Span);
        bool signedByItsKey;
        try
        {
            signedByItsKey = signed.IsSignedBy(DevicePublicKey.Parse(birth.Keys.DevicePublicKey));
        }
        catch (DeviceKeyFormatException)
        {
            signedByItsKey = false;
        }

        if (!Same(device, birth.Device) || birth.BdSeq != presence.BirthDeathSequence || !signedByItsKey)
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }

        return Update(device, record => record.Birth is { } known && known.BdSeq > birth.BdSeq ? record : record with { Birth = birth });
    }

    private bool Same(string topicDevice, string messageDevice)
    {
        if (string.Equals(topicDevice, messageDevice, StringComparison.Ordinal))
        {
            return true;
        }

        Interlocked.Increment(ref _malformed);
        return false;
    }

    private bool Update(string device, Func<FleetDeviceRecord, FleetDeviceRecord> change)
    {
        DateTimeOffset now = _time.GetUtcNow();
        _devices.AddOrUpdate(device, id => change(new FleetDeviceRecord(id, null, null, null, null, now)) with { LastSeen = now }, (_, record) => change(record) with { LastSeen = now });
        return true;
    }
}

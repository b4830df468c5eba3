using System.Diagnostics.Metrics;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Gateway.Tests.DataChannel;

public sealed class DropCountersTests
{
    [Fact]
    public void Describe_NothingDropped_None()
    {
        var counters = new DropCounters();
        Assert.Equal("none", counters.Describe());
        Assert.Equal(0, counters.Total);
    }

    [Fact]
    public void Describe_SomeReasons_NonZeroOnesInOrder()
    {
        var counters = new DropCounters();
        counters.Add(PacketDropReason.Replayed);
        counters.Add(PacketDropReason.Forged);
        counters.Add(PacketDropReason.Replayed);
        counters.Add(PacketDropReason.NotIpv4);
        Assert.Equal("forged 1, replayed 2, not-ipv4 1", counters.Describe());
        Assert.Equal(2, counters[PacketDropReason.Replayed]);
        Assert.Equal(0, counters[PacketDropReason.Spoofed]);
        Assert.Equal(4, counters.Total);
    }

    [Fact]
    public void TagValue_EveryReason_DistinctLowerCase()
    {
        var values = Enum.GetValues<PacketDropReason>().Select(DropCounters.TagValue).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
        Assert.All(values, value => Assert.Matches("^[a-z]+(-[a-z0-9]+)*$", value));
    }

    [Fact]
    public void Add_EachDrop_MeterCounterTaggedWithReason()
    {
        var seen = new List<(long Value, string? Reason)>();
        var counters = new DropCounters();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == DropCounters.MeterName && instrument.Name == DropCounters.DroppedCounterName)
                {
                    l.EnableMeasurementEvents(instrument, state: counters);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    // Other tests add drops in parallel; only this test's own reason, with a unique count, is checked.
                    if (tag.Key == "reason" && (string?)tag.Value == "policed")
                    {
                        lock (seen)
                        {
                            seen.Add((value, (string?)tag.Value));
                        }
                    }
                }
            });
            listener.Start();
            counters.Add(PacketDropReason.Policed);
            counters.Add(PacketDropReason.Policed);
        }

        Assert.True(seen.Count >= 2);
        Assert.All(seen, measurement => Assert.Equal(1, measurement.Value));
    }
}

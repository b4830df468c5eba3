using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Domain;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Tests;

/// <summary>The gateway's observable instruments (<see cref="GatewayGauges"/>), read as a scrape reads them.</summary>
public sealed class GatewayGaugesTests
{
    [Fact]
    public async Task Observe_SessionsOfTwoInstancesAndTraffic_PerInstanceAndPerDirection()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var registry = new SessionRegistry();
        var flow = new FlowMeter(new FailingFlowStore(), new GatewayOptions(), TimeProvider.System, NullLogger<FlowMeter>.Instance);
        _ = new GatewayGauges(meters, registry, new PasswordCheckGate(new GatewayOptions()), flow);
        foreach (var (instance, id) in new[] { ("sag-a", "s1"), ("sag-a", "s2"), ("sag-b", "s3") })
        {
            Assert.True(await registry.PublishAsync(new OnlineStub(instance, id), CancellationToken.None));
        }

        flow.For("sag-a", "alice").Add(100, 0);
        flow.For("sag-b", "bob").Add(0, 7);

        var seen = Observe(meters);

        Assert.Equal(2, seen[(GatewayGauges.OnlineSessionsName, "sag-a")]);
        Assert.Equal(1, seen[(GatewayGauges.OnlineSessionsName, "sag-b")]);
        Assert.Equal(100, seen[(GatewayGauges.TrafficName, "from-client")]);
        Assert.Equal(7, seen[(GatewayGauges.TrafficName, "to-client")]);
        Assert.Equal(0, seen[(GatewayGauges.PasswordChecksName, "waiting")]);
        Assert.Equal(0, seen[(GatewayGauges.PasswordChecksName, "running")]);
    }

    [Fact]
    public async Task Observe_LastSessionOfAnInstanceLeft_ReportsZeroForItNotItsLastCount()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var registry = new SessionRegistry();
        var flow = new FlowMeter(new FailingFlowStore(), new GatewayOptions(), TimeProvider.System, NullLogger<FlowMeter>.Instance);
        _ = new GatewayGauges(meters, registry, new PasswordCheckGate(new GatewayOptions()), flow);
        var leaving = new OnlineStub("sag-a", "s1");
        Assert.True(await registry.PublishAsync(leaving, CancellationToken.None));
        Assert.True(await registry.PublishAsync(new OnlineStub("sag-b", "s2"), CancellationToken.None));
        Assert.Equal(1, Observe(meters)[(GatewayGauges.OnlineSessionsName, "sag-a")]);

        registry.Withdraw(leaving);
        var seen = Observe(meters);

        // A meter provider keeps a series at its last value when a callback stops reporting it: 0 is reported instead.
        Assert.Equal(0, seen[(GatewayGauges.OnlineSessionsName, "sag-a")]);
        Assert.Equal(1, seen[(GatewayGauges.OnlineSessionsName, "sag-b")]);
    }

    [Fact]
    public async Task Totals_FlushFailsAndPutsTheBytesBack_EachByteCountedOnce()
    {
        var flow = new FlowMeter(new FailingFlowStore(), new GatewayOptions(), TimeProvider.System, NullLogger<FlowMeter>.Instance);
        flow.For("sag-a", "alice").Add(1000, 0);
        flow.For("sag-a", "alice").Add(0, 30);

        await flow.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((1000, 30), flow.Totals());
        Assert.Equal((1000, 30), flow.For("sag-a", "alice").Take());
    }

    /// <summary>Every observable instrument of <paramref name="meters"/>' meters, recorded once: value by (instrument, its one tag's value).</summary>
    private static Dictionary<(string Instrument, string Tag), long> Observe(IMeterFactory meters)
    {
        var seen = new Dictionary<(string, string), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's factory: other tests' gateways publish the same instruments in this process.
            if (ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => seen[(instrument.Name, (string)tags[0].Value!)] = value);
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen[(instrument.Name, (string)tags[0].Value!)] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    private sealed class OnlineStub(string smartAgId, string sessionId) : IOnlineSession
    {
        public OnlineSessionInfo Info { get; } = new() { SessionId = sessionId, SmartAGId = smartAgId, UserName = "u-" + sessionId, ClientIp = "10.0.0.2", OnlineSince = DateTimeOffset.UnixEpoch };

        public SessionState State { get; private set; }

        public SessionTraffic Traffic { get; } = new();

        public bool TryGoOnline()
        {
            State = SessionState.Online;
            return true;
        }

        public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class FailingFlowStore : IFlowStore
    {
        public Task AddFlowAsync(IReadOnlyCollection<FlowTotal> deltas, CancellationToken cancellationToken) => throw new IOException("disk full");

        public Task<IReadOnlyList<FlowTotal>> GetFlowAsync(string smartAgId, string month, IReadOnlyCollection<string> userNames, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<FlowTotal>>([]);
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Domain;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Tests.Tunnels;

/// <summary>
/// A session's counter (issue 13): what it meters goes to the user's month, written by the flow meter, and to the
/// session's own totals, which the operators' list shows; two sessions of one user share the month, not the totals.
/// </summary>
public sealed class FlowMeterSessionTests
{
    [Fact]
    public async Task For_TwoSessionsOfOneUser_EachCountsItsOwnBytesAndTheMonthGetsBoth()
    {
        var store = new RecordingFlowStore();
        var meter = new FlowMeter(store, new GatewayOptions(), TimeProvider.System, NullLogger<FlowMeter>.Instance);
        var first = new CountedSession("s1");
        var second = new CountedSession("s2");

        meter.For(first).Add(100, 2000);
        meter.For(first).Add(1, 0);
        meter.For(second).Add(0, 7);
        await meter.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((101L, 2000L), (first.Traffic.BytesFromClient, first.Traffic.BytesToClient));
        Assert.Equal((0L, 7L), (second.Traffic.BytesFromClient, second.Traffic.BytesToClient));
        var month = Assert.Single(store.Written);
        Assert.Equal(("alice01", 101L, 2007L), (month.UserName, month.BytesIn, month.BytesOut));
    }

    private sealed class CountedSession(string id) : IOnlineSession
    {
        public OnlineSessionInfo Info { get; } = new() { SessionId = id, SmartAGId = "sag-a", UserName = "alice01", ClientIp = "10.0.0.2", OnlineSince = DateTimeOffset.UnixEpoch };

        public SessionTraffic Traffic { get; } = new();

        public SessionState State => SessionState.Online;

        public bool TryGoOnline() => true;

        public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class RecordingFlowStore : IFlowStore
    {
        public List<FlowTotal> Written { get; } = [];

        public Task AddFlowAsync(IReadOnlyCollection<FlowTotal> deltas, CancellationToken cancellationToken)
        {
            Written.AddRange(deltas);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<FlowTotal>> GetFlowAsync(string smartAgId, string month, IReadOnlyCollection<string> userNames, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<FlowTotal>>([]);
    }
}

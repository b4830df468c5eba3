using System.Net;
using System.Reflection;
using OpenSag.Domain;
using OpenSag.Gateway.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Tests;

/// <summary>
/// One node's address holds (issue 11): no two users' sessions ever hold one ClientIp, whether it is a dynamic lease or
/// a static address, and dynamic leases come only from this node's slice of the block.
/// </summary>
public sealed class ClientIpPoolTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task TryHoldStaticAsync_AddressLeasedToAnotherSession_Refused()
    {
        var users = StaticUsers.Create();
        var pool = new ClientIpPool(users, ClientIpSlice.Whole);
        var leased = await pool.LeaseAsync(Instance("10.40.0.0/24"), "s-dynamic", null, Ct);
        Assert.Equal(IPAddress.Parse("10.40.0.1"), leased);

        // The static address was stored while that lease lived (the race the admin API's check cannot close alone).
        Assert.False(await pool.TryHoldStaticAsync(Instance("10.40.0.0/24"), "stat", leased!, "s-static", Ct));

        pool.Release(InstanceId, leased!, "s-dynamic");
        Assert.True(await pool.TryHoldStaticAsync(Instance("10.40.0.0/24"), "stat", leased!, "s-static", Ct));
    }

    [Fact]
    public async Task TryHoldStaticAsync_SameUsersSecondSession_SharesTheAddressUntilBothRelease()
    {
        var pool = new ClientIpPool(StaticUsers.Create(), ClientIpSlice.Whole);
        var address = IPAddress.Parse("10.40.0.9");
        Assert.True(await pool.TryHoldStaticAsync(Instance("10.40.0.0/24"), "stat", address, "s1", Ct));
        Assert.True(await pool.TryHoldStaticAsync(Instance("10.40.0.0/24"), "stat", address, "s2", Ct));
        Assert.False(await pool.TryHoldStaticAsync(Instance("10.40.0.0/24"), "other", address, "s3", Ct));

        pool.Release(InstanceId, address, "s1");
        Assert.True(await pool.IsHeldAsync(InstanceId, address, Ct));
        pool.Release(InstanceId, address, "s2");
        Assert.False(await pool.IsHeldAsync(InstanceId, address, Ct));
    }

    [Fact]
    public async Task LeaseAsync_StaticClientIpStoredWhileLeasing_GivesTheAddressUpAndTakesTheNext()
    {
        var users = StaticUsers.Create();
        // The first read (before the pick) sees no static address; the re-read after taking 10.40.0.1 sees it stored.
        StaticUsers.Of(users).AfterReads(1, "10.40.0.1");
        var pool = new ClientIpPool(users, ClientIpSlice.Whole);

        var leased = await pool.LeaseAsync(Instance("10.40.0.0/24"), "s1", null, Ct);

        Assert.Equal(IPAddress.Parse("10.40.0.2"), leased);
        Assert.False(await pool.IsHeldAsync(InstanceId, IPAddress.Parse("10.40.0.1"), Ct));
    }

    [Fact]
    public async Task LeaseAsync_StaticClientIpStored_NeverLeased()
    {
        var users = StaticUsers.Create();
        StaticUsers.Of(users).AfterReads(0, "10.40.0.1");
        var pool = new ClientIpPool(users, ClientIpSlice.Whole);

        Assert.Equal(IPAddress.Parse("10.40.0.2"), await pool.LeaseAsync(Instance("10.40.0.0/24"), "s1", null, Ct));
    }

    [Fact]
    public async Task LeaseAsync_SecondOfFourSlices_LeasesOnlyFromTheSecondQuarter()
    {
        Assert.True(ClientIpSlice.TryParse("2/4", out var slice, out _));
        var pool = new ClientIpPool(StaticUsers.Create(), slice);
        var leased = new List<string>();
        while (await pool.LeaseAsync(Instance("10.40.0.0/24"), "s" + leased.Count, null, Ct) is { } address)
        {
            leased.Add(address.ToString());
        }

        Assert.Equal(Enumerable.Range(64, 64).Select(i => "10.40.0." + i), leased);
    }

    [Theory]
    [InlineData("1/4", "10.40.0.0/30")] // only the network address
    [InlineData("4/4", "10.40.0.0/30")] // only the broadcast address
    [InlineData("1/8", "10.40.0.0/30")] // more slices than addresses
    public async Task LeaseAsync_SliceWithoutHosts_ReturnsNull(string sliceText, string cidrBlock)
    {
        Assert.True(ClientIpSlice.TryParse(sliceText, out var slice, out _));
        var pool = new ClientIpPool(StaticUsers.Create(), slice);

        Assert.Null(await pool.LeaseAsync(Instance(cidrBlock), "s1", null, Ct));
    }

    [Fact]
    public async Task AcquireAsync_SliceExhausted_RefusalNamesTheSlice()
    {
        Assert.True(ClientIpSlice.TryParse("1/4", out var slice, out _));
        var pool = new ClientIpPool(StaticUsers.Create(), slice);
        var user = new ClientUser { SmartAGId = InstanceId, UserName = "dyn", UserMail = "", Bandwidth = 1000, PasswordHash = "x", CreatedAt = DateTimeOffset.UnixEpoch };

        var (lease, refusal) = await AddressLease.AcquireAsync(pool, Instance("10.40.0.0/30"), user, "s1", null, Ct);

        Assert.Null(lease);
        Assert.Equal("the instance has no free client address in this node's slice 1/4", refusal);
    }

    /// <summary>
    /// A client resuming after a gateway restart asks for the address it had: it gets it while it is free (the
    /// connections through its interface survive), whatever order the clients come back in; before, the lowest free
    /// address went to whoever came first, and two clients swapped addresses.
    /// </summary>
    [Fact]
    public async Task LeaseAsync_PreferredFree_ThatAddressElseTheLowestFree()
    {
        var pool = new ClientIpPool(StaticUsers.Create(), ClientIpSlice.Whole);
        var instance = Instance("10.40.0.0/24");

        Assert.Equal(IPAddress.Parse("10.40.0.2"), await pool.LeaseAsync(instance, "s-second", IPAddress.Parse("10.40.0.2"), Ct));
        Assert.Equal(IPAddress.Parse("10.40.0.1"), await pool.LeaseAsync(instance, "s-first", IPAddress.Parse("10.40.0.1"), Ct));
        Assert.Equal(IPAddress.Parse("10.40.0.3"), await pool.LeaseAsync(instance, "s-held", IPAddress.Parse("10.40.0.2"), Ct));
        Assert.Equal(IPAddress.Parse("10.40.0.4"), await pool.LeaseAsync(instance, "s-outside", IPAddress.Parse("10.41.0.9"), Ct));
        Assert.Equal(IPAddress.Parse("10.40.0.5"), await pool.LeaseAsync(instance, "s-network", IPAddress.Parse("10.40.0.0"), Ct));
    }

    [Fact]
    public async Task LeaseAsync_PreferredOutsideThisNodesSlice_TheSlicesLowestFree()
    {
        Assert.True(ClientIpSlice.TryParse("2/2", out var slice, out _));
        var pool = new ClientIpPool(StaticUsers.Create(), slice);

        Assert.Equal(IPAddress.Parse("10.40.0.128"), await pool.LeaseAsync(Instance("10.40.0.0/24"), "s1", IPAddress.Parse("10.40.0.7"), Ct));
    }

    private const string InstanceId = "sag-pooltest";

    private static Instance Instance(string cidrBlock) => new()
    {
        SmartAGId = InstanceId,
        RegionId = "cn-test",
        OrderId = "o-1",
        CidrBlock = cidrBlock,
        UserCount = 100,
        DataPlan = 5,
        Period = 1,
        ChargeType = "PREPAY",
        AutoPay = false,
        CreatedAt = DateTimeOffset.UnixEpoch,
        EndsAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>The instance's users as the pool reads them: static ClientIps that appear after a number of reads.</summary>
    public class StaticUsers : DispatchProxy
    {
        private int _reads;
        private int _appearAfter = int.MaxValue;
        private string[] _addresses = [];

        public static IClientUserStore Create() => Create<IClientUserStore, StaticUsers>();

        public static StaticUsers Of(IClientUserStore store) => (StaticUsers)(object)store;

        /// <summary>From the read after <paramref name="reads"/> reads on, users hold these static addresses.</summary>
        public void AfterReads(int reads, params string[] addresses) => (_appearAfter, _addresses) = (reads, addresses);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IClientUserStore.ListUsersAsync) => Task.FromResult(List()),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };

        private Page<ClientUser> List()
        {
            var read = _reads++;
            ClientUser[] users = read < _appearAfter ? [] : [.. _addresses.Select((a, i) => new ClientUser
            {
                SmartAGId = InstanceId,
                UserName = "static" + i,
                UserMail = "",
                Bandwidth = 1000,
                ClientIp = a,
                PasswordHash = "x",
                CreatedAt = DateTimeOffset.UnixEpoch,
            })];
            return new Page<ClientUser>(users, users.Length, 1, 100);
        }
    }
}

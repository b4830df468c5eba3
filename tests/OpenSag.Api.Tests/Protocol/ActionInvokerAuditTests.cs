using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Protocol;
using OpenSag.Api.Responses;
using OpenSag.Api.Tests.Support;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>
/// The one place changing actions are audited (issue 13 item 1, DESIGN.md §7): success and refusal alike, reads
/// never, and a failing audit store never turns a committed change into an error answer.
/// </summary>
public sealed class ActionInvokerAuditTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly Caller Console = new("LTAIadmin", "192.0.2.7") { Channel = Caller.ConsoleChannel };

    private static readonly ActionDefinition Modify = ActionDefinition.Define(
        "ModifyThing", "Changes a thing.", [RegionId, SmartAgId, UserName],
        static (TimeProvider time, ActionContext a, CancellationToken ct) => Change(a.Get(UserName)));

    private static readonly ActionDefinition Describe = ActionDefinition.Define(
        "DescribeThing", "Reads a thing.", [RegionId, SmartAgId],
        static (TimeProvider time, ActionContext a, CancellationToken ct) => Change("alice01"));

    /// <summary>A create that names what it made only in its answer, as CreateSmartAccessGatewaySoftware and AddACLRule do.</summary>
    private static readonly ActionDefinition Create = ActionDefinition.Define(
        "CreateThing", "Creates a thing inside an ACL.", [RegionId, Actions.AclActions.AclId],
        ResponseShape.Of<string>().String("SmartAGId", _ => "sag-made").String("AcrId", id => id),
        static (TimeProvider time, ActionContext a, CancellationToken ct) => Task.FromResult("acr-made"));

    private readonly InMemoryAuditStore _store = new();
    private readonly ActionInvoker _invoker;

    public ActionInvokerAuditTests()
    {
        var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        var table = new ActionTable().Map(Modify).Map(Describe).Map(Create).Bind(services);
        _invoker = new ActionInvoker(table, new AuditLog(_store, new ManualTimeProvider(Now), NullLogger<AuditLog>.Instance));
    }

    private static Dictionary<string, string> Call(string userName) => new(StringComparer.Ordinal)
    {
        ["RegionId"] = "cn-shanghai",
        ["SmartAGId"] = "sag-one",
        ["UserName"] = userName,
    };

    [Fact]
    public async Task InvokeAsync_ChangeSucceeds_RecordsWhoWhatWhereAndSuccess()
    {
        await _invoker.InvokeAsync("ModifyThing", Call("alice01"), Console, CancellationToken.None).WaitAsync(Timeout);

        var entry = Assert.Single(_store.Entries);
        Assert.Equal(new AuditEntry(1, Now, "LTAIadmin", "192.0.2.7", "console", "ModifyThing", "cn-shanghai", "sag-one", "alice01", AuditEntry.Success, ""), entry);
    }

    [Fact]
    public async Task InvokeAsync_ChangeRefused_RecordsTheErrorCodeAndRethrows()
    {
        var refusal = await Assert.ThrowsAsync<ApiException>(() => _invoker.InvokeAsync("ModifyThing", Call("refused1"), Console, CancellationToken.None).WaitAsync(Timeout));

        var entry = Assert.Single(_store.Entries);
        Assert.Equal(ErrorCatalogue.UserNotFound.Code, refusal.Error.Code);
        Assert.Equal(ErrorCatalogue.UserNotFound.Code, entry.Outcome);
        Assert.Equal("refused1", entry.Target);
    }

    [Fact]
    public async Task InvokeAsync_ParameterRefusedWhileBinding_RecordsTheRefusal()
    {
        var call = Call("alice01");
        call.Remove("UserName");

        var refusal = await Assert.ThrowsAsync<ApiException>(() => _invoker.InvokeAsync("ModifyThing", call, Console, CancellationToken.None).WaitAsync(Timeout));

        var entry = Assert.Single(_store.Entries);
        Assert.Equal(refusal.Error.Code, entry.Outcome);
        Assert.Equal("sag-one", entry.SmartAGId);
    }

    /// <summary>A caller that hangs up mid-change cannot make it escape the audit: what was committed may stay.</summary>
    [Fact]
    public async Task InvokeAsync_CallerGoesAwayMidChange_RecordedAsAbandoned()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _invoker.InvokeAsync("ModifyThing", Call("hangs.up"), Console, CancellationToken.None).WaitAsync(Timeout));

        var entry = Assert.Single(_store.Entries);
        Assert.Equal(("ModifyThing", "hangs.up", ApiMetrics.Abandoned), (entry.Action, entry.Target, entry.Outcome));
    }

    [Fact]
    public async Task InvokeAsync_CreateNamesItsIdsOnlyInTheAnswer_RecordsTheAnswersIds()
    {
        var call = new Dictionary<string, string>(StringComparer.Ordinal) { ["RegionId"] = "cn-shanghai", ["AclId"] = "acl-one" };

        await _invoker.InvokeAsync("CreateThing", call, Console, CancellationToken.None).WaitAsync(Timeout);

        var entry = Assert.Single(_store.Entries);
        Assert.Equal("sag-made", entry.SmartAGId);
        // The rule the answer names is more specific than the ACL the call names.
        Assert.Equal("acr-made", entry.Target);
    }

    [Fact]
    public async Task InvokeAsync_Read_RecordsNothing()
    {
        await _invoker.InvokeAsync("DescribeThing", Call("alice01"), Console, CancellationToken.None).WaitAsync(Timeout);

        Assert.Empty(_store.Entries);
    }

    [Fact]
    public async Task InvokeAsync_AuditStoreFails_ChangeStillAnswered()
    {
        _store.Failure = new InvalidOperationException("database gone");

        var body = await _invoker.InvokeAsync("ModifyThing", Call("alice01"), Console, CancellationToken.None).WaitAsync(Timeout);

        Assert.NotNull(body);
    }

    [Theory]
    [InlineData("KickOutClients", true)]
    [InlineData("DeleteACLRule", true)]
    [InlineData("DescribeUserOnlineClients", false)]
    [InlineData("ListEnterpriseCode", false)]
    public void IsChange_ByName_ReadsAreNotChanges(string name, bool change) =>
        Assert.Equal(change, ActionInvoker.IsChange(Actions.SmartagActions.CreateTable().Find(name)!));

    /// <summary>A handler whose change is refused for one user name, as a domain service refuses, and cancelled for another.</summary>
    private static Task Change(string userName) => userName switch
    {
        "refused1" => throw new ApiException(ErrorCatalogue.UserNotFound),
        "hangs.up" => throw new OperationCanceledException(),
        _ => Task.CompletedTask,
    };
}

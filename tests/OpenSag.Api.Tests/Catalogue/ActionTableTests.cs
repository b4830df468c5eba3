using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Tests.Support;
using OpenSag.Services;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>Typed parameter handles and handlers bound from services when the table is built (DESIGN.md §8).</summary>
public sealed class ActionTableTests
{
    [Fact]
    public async Task Get_HandleTheActionDoesNotDeclare_ThrowsNamingIt()
    {
        // A look-alike with the same wire name is not the declaration: its rules or required flag may differ.
        var arguments = ActionArguments.Bind(SessionActions.KickOutClients, await Requests.GetAsync(
            ("RegionId", "cn-shanghai"), ("SmartAGId", "sag-a"), ("Username", "doctest")));

        var error = Assert.Throws<InvalidOperationException>(() => arguments.Get(SmartAgId));

        Assert.Contains("KickOutClients", error.Message, StringComparison.Ordinal);
        Assert.Contains("SmartAGId", error.Message, StringComparison.Ordinal);
        Assert.Equal("sag-a", arguments.Get(SessionActions.KickSmartAgId));
    }

    [Fact]
    public async Task Get_OptionalAbsent_NullOrEmptyList()
    {
        var arguments = ActionArguments.Bind(InstanceActions.List, await Requests.GetAsync(("RegionId", "cn-shanghai")));

        Assert.Null(arguments.Get(InstanceActions.SmartAgIdFilter));
        Assert.Null(arguments.Get(PageNumber));
        Assert.Empty(arguments.Get(SmartAgIds));
    }

    [Fact]
    public void Handler_TableWithoutServices_Throws()
    {
        var table = SmartagActions.CreateTable();

        Assert.Throws<InvalidOperationException>(() => table.Handler(table.Find("KickOutClients")!));
    }

    [Fact]
    public void CreateTable_ServiceMissing_FailsWhenTheTableIsBuilt()
    {
        // At start, not on the first call of the action that needs it.
        var services = new ServiceCollection().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => SmartagActions.CreateTable(services));

        Assert.Contains(nameof(InstanceService), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTable_EveryActionButTheNewerModels_TakesTheOwnerParametersLast()
    {
        foreach (var action in SmartagActions.CreateTable().All.Where(a => !WithoutOwner.Contains(a.Name)))
        {
            Assert.Equal(["OwnerAccount", "OwnerId", "ResourceOwnerAccount", "ResourceOwnerId"], action.Parameters.TakeLast(4).Select(p => p.Name));
        }
    }

    /// <summary>The request models without Owner parameters (spec/smartag-api.md §1.0, §1.19, §1.20).</summary>
    private static readonly HashSet<string> WithoutOwner =
    [
        "UpdateSmartAGUserAccelerateConfig", "CreateEnterpriseCode", "DeleteEnterpriseCode", "UpdateEnterpriseCode", "UpdateSmartAGEnterpriseCode", "ListEnterpriseCode",
    ];

    [Fact]
    public void CreateTable_NewerModels_TakeNoOwnerParameters()
    {
        foreach (var name in WithoutOwner)
        {
            Assert.DoesNotContain(SmartagActions.CreateTable().Find(name)!.Parameters, p => p.Name.Contains("Owner", StringComparison.Ordinal));
        }
    }
}

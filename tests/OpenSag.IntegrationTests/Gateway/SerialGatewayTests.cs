namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// Every gateway test is in this collection, which xunit runs alone (no test of this or any other collection at
/// the same time): the shaping and keepalive tests measure time, and several clients per test already keep the
/// machine busy.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialGatewayTests
{
    public const string Name = "gateway";
}

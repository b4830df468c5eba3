namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// One real server shared by every test in <see cref="SharedConformanceServer"/>: the Node.js
/// scenarios each make their own region, instances and users, so they can share it.
/// </summary>
public sealed class ConformanceServerFixture : IAsyncLifetime
{
    private OpenSagServer? _server;

    public OpenSagServer Server => _server ?? throw new InvalidOperationException("The fixture has not been initialised.");

    public async Task InitializeAsync() => _server = await OpenSagServer.StartWithRandomKeysAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedConformanceServer : ICollectionFixture<ConformanceServerFixture>
{
    public const string Name = "conformance server";
}

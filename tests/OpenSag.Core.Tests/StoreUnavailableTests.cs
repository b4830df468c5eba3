using System.Net.Sockets;
using OpenSag.Errors;

namespace OpenSag.Core.Tests;

public sealed class StoreUnavailableTests
{
    [Fact]
    public void IsCause_SocketErrorWrapped_True() =>
        Assert.True(StoreUnavailable.IsCause(new InvalidOperationException("connect failed", new SocketException((int)SocketError.ConnectionRefused))));

    [Fact]
    public void IsCause_Timeout_True() => Assert.True(StoreUnavailable.IsCause(new TimeoutException()));

    [Fact]
    public void IsCause_OrdinaryBug_False() => Assert.False(StoreUnavailable.IsCause(new InvalidOperationException("bug", new ArgumentException("x"))));
}

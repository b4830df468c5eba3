using OpenSag.Client;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>The client's waits between reconnect attempts: randomised within each step, doubling, capped, reset.</summary>
public class ReconnectBackoffTests
{
    [Fact]
    public void Next_EachWaitIsInTheUpperHalfOfItsStep_StepsDoubleUpToTheLongest()
    {
        var backoff = new ReconnectBackoff();
        double[] steps = [1, 2, 4, 8, 16, 30, 30, 30];

        foreach (var step in steps)
        {
            var wait = backoff.Next().TotalSeconds;
            Assert.InRange(wait, step / 2, step);
        }
    }

    [Fact]
    public void Next_ManyClients_DoNotAllWaitTheSame()
    {
        var waits = Enumerable.Range(0, 100).Select(_ => new ReconnectBackoff().Next()).Distinct().Count();

        Assert.True(waits > 50, $"only {waits} distinct first waits among 100 clients");
    }

    [Fact]
    public void Reset_AfterASuccess_StartsFromTheFirstStep()
    {
        var backoff = new ReconnectBackoff();
        for (var i = 0; i < 5; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.InRange(backoff.Next(), ReconnectBackoff.First / 2, ReconnectBackoff.First);
    }
}

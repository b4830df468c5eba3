using System.Text;
using OpenSag.Cluster.Postgres;
using OpenSag.Sessions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>The change notice's NOTIFY payload (issue 12 item 4): PostgreSQL refuses one of 8000 bytes or more.</summary>
public sealed class ChangeMessageTests
{
    [Fact]
    public void Write_ThousandInstances_SplitsIntoFullPartsUnderTheNotifyLimitThatReadBackInOrder()
    {
        string[] ids = [.. Enumerable.Range(0, 1000).Select(i => $"sag-{i:D6}{new string('x', 54)}")];

        var payloads = ChangeMessage.Write("node-a", new ChangeNotice(ChangeNotice.AclKind, ids));

        Assert.True(payloads.Count > 1, "1000 ids of 64 characters cannot fit in one payload");
        Assert.All(payloads, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= ChangeMessage.MaxPayloadBytes, $"a payload of {Encoding.UTF8.GetByteCount(p)} bytes"));
        var parts = payloads.Select(p => ChangeMessage.TryRead(p)!).ToArray();
        Assert.All(parts, m => Assert.Equal(("node-a", ChangeNotice.AclKind), (m.Node, m.Kind)));
        Assert.Equal(ids, parts.SelectMany(m => m.SmartAGIds));
        // Greedy: every part but the last is too full for one more id (comma + 66 bytes), so no part is wasted.
        Assert.All(payloads.SkipLast(1), p => Assert.True(Encoding.UTF8.GetByteCount(p) + 1 + 66 > ChangeMessage.MaxPayloadBytes, $"a part of {Encoding.UTF8.GetByteCount(p)} bytes had room for another id"));
    }

    [Fact]
    public void Write_IdsNeedingEscapes_CountsTheirEncodedBytes()
    {
        // Non-ASCII and quotes are escaped in the JSON (\uXXXX, \"), six bytes for one character: a count of
        // characters or of raw UTF-8 bytes would overflow the limit.
        string[] ids = [.. Enumerable.Range(0, 200).Select(i => $"sag-{i:D4}-\"é中\"{new string('ü', 40)}")];

        var payloads = ChangeMessage.Write("node-a", new ChangeNotice(ChangeNotice.AclKind, ids));

        Assert.All(payloads, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= ChangeMessage.MaxPayloadBytes, $"a payload of {Encoding.UTF8.GetByteCount(p)} bytes"));
        Assert.Equal(ids, payloads.SelectMany(p => ChangeMessage.TryRead(p)!.SmartAGIds));
    }

    [Fact]
    public void Write_NoInstances_IsOnePayload()
    {
        var payloads = ChangeMessage.Write("node-a", new ChangeNotice(ChangeNotice.AclKind, []));

        var message = ChangeMessage.TryRead(Assert.Single(payloads));
        Assert.NotNull(message);
        Assert.Empty(message.SmartAGIds);
    }

    [Fact]
    public void Write_WithSentAt_EveryPartCarriesItAndStaysUnderTheLimit()
    {
        string[] ids = [.. Enumerable.Range(0, 300).Select(i => $"sag-{i:D6}{new string('x', 54)}")];
        var sentAt = new DateTimeOffset(2026, 11, 30, 16, 0, 0, 123, TimeSpan.Zero);

        var payloads = ChangeMessage.Write("node-a", new ChangeNotice(ChangeNotice.AclKind, ids), sentAt);

        Assert.True(payloads.Count > 1);
        Assert.All(payloads, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= ChangeMessage.MaxPayloadBytes, $"a payload of {Encoding.UTF8.GetByteCount(p)} bytes"));
        Assert.All(payloads, p => Assert.Equal(sentAt, ChangeMessage.TryRead(p)!.SentAt));
        Assert.Equal(ids, payloads.SelectMany(p => ChangeMessage.TryRead(p)!.SmartAGIds));
    }

    [Fact]
    public void TryRead_OlderNodesPayloadWithoutSentAt_ReadsWithNoSendTime()
    {
        Assert.Null(ChangeMessage.TryRead("{\"Node\":\"node-a\",\"Kind\":\"acl\",\"SmartAGIds\":[\"sag-1\"]}")!.SentAt);
        Assert.Null(RevocationMessage.TryRead("{\"Node\":\"node-a\",\"SmartAGId\":\"sag-1\",\"UserName\":\"u1\",\"Generation\":2,\"Reason\":0}")!.SentAt);
    }

    [Fact]
    public void RevocationMessage_WriteWithSentAt_ReadsItBack()
    {
        var sentAt = new DateTimeOffset(2026, 11, 30, 16, 0, 0, 456, TimeSpan.Zero);

        var message = RevocationMessage.TryRead(RevocationMessage.Write("node-a", new SessionRevocation("sag-1", "u1", 3, SessionCloseReason.KickedOut), sentAt));

        Assert.Equal(new RevocationMessage("node-a", "sag-1", "u1", 3, SessionCloseReason.KickedOut) { SentAt = sentAt }, message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"Node\":\"node-a\",\"Kind\":\"acl\"}")]
    [InlineData("{\"Node\":\"node-a\",\"Kind\":\"acl\",\"SmartAGIds\":[null]}")]
    public void TryRead_PayloadThisBuildCannotRead_IsNull(string payload) => Assert.Null(ChangeMessage.TryRead(payload));
}

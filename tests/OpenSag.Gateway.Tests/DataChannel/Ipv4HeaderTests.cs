using System.Buffers.Binary;
using System.Net;
using OpenSag.Domain;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Gateway.Tests.DataChannel;

public sealed class Ipv4HeaderTests
{
    [Fact]
    public void TryRead_UdpPacket_AddressesProtocolPorts()
    {
        var packet = Packet(Ipv4Header.Udp, "198.18.0.2", "198.18.1.7", payload: 12);
        Assert.True(Ipv4Header.TryRead(packet, out var source, out var destination));
        Assert.Equal(Ipv4.ToUInt32(IPAddress.Parse("198.18.0.2")), source);
        Assert.Equal(0xC6120107u, destination);
        Assert.True(Ipv4Header.TryReadProtocol(packet, out var protocol));
        Assert.Equal(Ipv4Header.Udp, protocol);
        Assert.True(Ipv4Header.TryReadPorts(packet, out _, out var sourcePort, out var destinationPort));
        Assert.Equal((ushort)40000, sourcePort);
        Assert.Equal((ushort)53, destinationPort);
        Assert.Equal(packet.Length, Ipv4Header.TotalLength(packet));
    }

    [Fact]
    public void TryReadPorts_HeaderWithOptions_PortsAfterTheOptions()
    {
        var packet = Packet(Ipv4Header.Tcp, "198.18.0.2", "198.18.1.7", payload: 20, ihl: 7);
        Assert.True(Ipv4Header.TryReadPorts(packet, out var protocol, out var sourcePort, out var destinationPort));
        Assert.Equal(Ipv4Header.Tcp, protocol);
        Assert.Equal((ushort)40000, sourcePort);
        Assert.Equal((ushort)53, destinationPort);
    }

    [Fact]
    public void HasSourceRoute_OptionsListed_OnlySourceRoutesAndUnparsableOptionsCount()
    {
        Assert.False(Ipv4Header.HasSourceRoute(Packet(1, "198.18.0.2", "198.18.1.7", payload: 8)));
        var options = Packet(1, "198.18.0.2", "198.18.1.7", payload: 8, ihl: 7);
        options[20] = 0x94; // router alert, 4 bytes
        options[21] = 4;
        options[24] = 1; // NOP
        options[25] = 0; // end of options: what follows is padding
        options[26] = 0x83;
        Assert.False(Ipv4Header.HasSourceRoute(options));
        options[25] = 0x83; // loose source route, length 3
        options[26] = 3;
        Assert.True(Ipv4Header.HasSourceRoute(options));
        options[25] = 0x44; // timestamp with a length of 0: does not parse
        options[26] = 0;
        Assert.True(Ipv4Header.HasSourceRoute(options));
        options[26] = 40; // longer than the header: does not parse either
        Assert.True(Ipv4Header.HasSourceRoute(options));
    }

    [Fact]
    public void TryRead_TrailingBytesAfterTotalLength_AcceptedAndIgnored()
    {
        var packet = Packet(1, "198.18.0.2", "198.18.1.7", payload: 8);
        Assert.True(Ipv4Header.TryRead([.. packet, 0, 0, 0], out _, out _));
    }

    [Fact]
    public void TryReadPorts_LaterFragmentOrOtherProtocolOrNoRoom_False()
    {
        var fragment = Packet(Ipv4Header.Udp, "198.18.0.2", "198.18.1.7", payload: 12);
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(6), 185); // offset 185 × 8 bytes
        Assert.True(Ipv4Header.TryRead(fragment, out _, out _));
        Assert.False(Ipv4Header.TryReadPorts(fragment, out _, out _, out _));

        var icmp = Packet(1, "198.18.0.2", "198.18.1.7", payload: 8);
        Assert.False(Ipv4Header.TryReadPorts(icmp, out var protocol, out _, out _));
        Assert.Equal(1, protocol);

        var stub = Packet(Ipv4Header.Tcp, "198.18.0.2", "198.18.1.7", payload: 3);
        Assert.False(Ipv4Header.TryReadPorts(stub, out _, out var sourcePort, out _));
        Assert.Equal(0, sourcePort);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("short")]
    [InlineData("ipv6")]
    [InlineData("ihl4")]
    [InlineData("ihl-past-total")]
    [InlineData("total-past-span")]
    [InlineData("total-below-header")]
    public void TryRead_Malformed_FalseAndZeros(string kind)
    {
        var packet = Packet(Ipv4Header.Udp, "198.18.0.2", "198.18.1.7", payload: 4);
        byte[] input = kind switch
        {
            "empty" => [],
            "short" => packet[..19],
            "ipv6" => [0x60, .. packet[1..]],
            "ihl4" => [0x44, .. packet[1..]],
            "ihl-past-total" => [0x4F, .. packet[1..]],
            "total-past-span" => packet[..^1],
            _ => WithTotalLength(packet, 19),
        };
        Assert.False(Ipv4Header.TryRead(input, out var source, out var destination));
        Assert.Equal(0u, source | destination);
        Assert.False(Ipv4Header.TryReadProtocol(input, out _));
        Assert.False(Ipv4Header.TryReadPorts(input, out _, out _, out _));
        Assert.Equal(0, Ipv4Header.TotalLength(input));
        Assert.Equal(kind is not ("empty" or "ipv6"), Ipv4Header.IsVersion4(input));
    }

    [Fact]
    public void Readers_TwentyThousandRandomInputs_NeverThrowAndAgree()
    {
        var random = new Random(11);
        for (var i = 0; i < 20_000; i++)
        {
            var input = new byte[random.Next(0, 80)];
            random.NextBytes(input);
            if (i % 2 == 0 && input.Length > 0)
            {
                // Half of them IPv4 with a plausible IHL, so the length checks, not the version, decide.
                input[0] = (byte)(0x40 | random.Next(0, 16));
            }

            var wellFormed = Ipv4Header.TryRead(input, out _, out _);
            Assert.Equal(wellFormed, Ipv4Header.TryReadProtocol(input, out _));
            Assert.Equal(wellFormed, Ipv4Header.TotalLength(input) != 0);
            Assert.True(!Ipv4Header.TryReadPorts(input, out _, out _, out _) || wellFormed);
        }
    }

    private static byte[] WithTotalLength(byte[] packet, ushort totalLength)
    {
        var copy = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(2), totalLength);
        return copy;
    }

    private static byte[] Packet(byte protocol, string source, string destination, int payload, int ihl = 5)
    {
        var headerLength = ihl * 4;
        var packet = new byte[headerLength + payload];
        packet[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), Ipv4.ToUInt32(IPAddress.Parse(source)));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), Ipv4.ToUInt32(IPAddress.Parse(destination)));
        if (payload >= 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(headerLength), 40000);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(headerLength + 2), 53);
        }

        return packet;
    }
}

using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Bench.Micro;

/// <summary>
/// The layer-3 data channel's per-packet crypto (issue 11): sealing one full-MTU packet (1420 bytes) in place, and
/// sealing then opening it (opening alone cannot repeat one datagram: the replay window rejects it), for both ciphers.
/// Allocations must be 0. And what a forged datagram (right index, counter inside the window, wrong tag) costs the
/// receiver: .NET reports a tag mismatch only by an exception, so this is the price of a flood of forgeries.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet needs an unsealed class; [GlobalCleanup] disposes sealer and opener.")]
public class DataChannelHotPaths
{
    private readonly byte[] _buffer = new byte[TransportMessage.MaxDatagramLength];
    private readonly byte[] _forged = new byte[TransportMessage.MaxDatagramLength];
    private readonly byte[] _scratch = new byte[TransportMessage.Mtu];
    private PacketSealer _sealer = null!;
    private PacketOpener _opener = null!;

    // Its own, so that SealThenOpen moving the window never turns the forgery into a cheap "replayed".
    private PacketOpener _forgeryOpener = null!;

    [Params(DataCipher.Aes256Gcm, DataCipher.ChaCha20Poly1305)]
    public DataCipher Cipher { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var key = new byte[32];
        Random.Shared.NextBytes(key);
        Random.Shared.NextBytes(_buffer);
        _sealer = new PacketSealer(Cipher, key, 7);
        _opener = new PacketOpener(Cipher, key);
        _forgeryOpener = new PacketOpener(Cipher, key);
        using var stranger = new PacketSealer(Cipher, new byte[32], 7);
        stranger.Seal(_buffer.AsSpan(TransportMessage.HeaderLength, TransportMessage.Mtu), _forged);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sealer.Dispose();
        _opener.Dispose();
        _forgeryOpener.Dispose();
    }

    [Benchmark]
    public int Seal() => _sealer.Seal(_buffer.AsSpan(TransportMessage.HeaderLength, TransportMessage.Mtu), _buffer);

    [Benchmark]
    public int SealThenOpen()
    {
        var length = _sealer.Seal(_buffer.AsSpan(TransportMessage.HeaderLength, TransportMessage.Mtu), _buffer);
        _ = _opener.Open(_buffer.AsSpan(0, length), _buffer.AsSpan(TransportMessage.HeaderLength), out var opened);
        return opened;
    }

    [Benchmark]
    public OpenResult OpenForged() => _forgeryOpener.Open(_forged, _scratch, out _);
}

namespace OpenSag.Security;

/// <summary>
/// A stored access-key secret that this server's secrets key cannot open. Its message names the access key and the
/// key ids involved, never a secret; at start the server turns it into its one-line refusal.
/// </summary>
public sealed class UnreadableSecretException : Exception
{
    public UnreadableSecretException(string accessKeyId, string message, Exception? innerException = null)
        : base(message, innerException) => AccessKeyId = accessKeyId;

    /// <summary>The access key whose secret could not be opened.</summary>
    public string AccessKeyId { get; }
}

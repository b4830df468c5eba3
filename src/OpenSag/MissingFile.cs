namespace OpenSag.Cli;

/// <summary>
/// Why a path given for a file cannot be read as one. File.Exists is false for a folder too, and "does not exist"
/// for a folder that plainly does (<c>--ca-file opensag-data</c>) sends the user looking in the wrong place.
/// </summary>
internal static class MissingFile
{
    /// <summary>"is a folder, not a file" or "does not exist", to follow the path in a message.</summary>
    public static string Reason(string path) => Directory.Exists(path) ? "is a folder, not a file" : "does not exist";
}

using System.CommandLine;
using OpenSag.Cli.Admin;
using OpenSag.Cli.Connect;
using OpenSag.Cli.Serve;

namespace OpenSag.Cli;

/// <summary><c>opensag</c>: one executable with a subcommand per role (DESIGN.md §1).</summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("OpenSAG: a self-hostable Smart Access Gateway with a Smartag-compatible API.")
        {
            ServeCommand.Create(),
            SmartagCommand.Create(),
            ConnectCommand.Create(),
        };
        return root.Parse(args).InvokeAsync();
    }
}

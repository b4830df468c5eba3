using System.Text;

namespace OpenSag.Cli.Connect;

/// <summary>Asks for the password on the terminal without echo; null when there is no terminal to ask on.</summary>
internal static class PasswordPrompt
{
    public static string? Read()
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        Console.Error.Write("Password: ");
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }

                continue;
            }

            password.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return password.ToString();
    }
}

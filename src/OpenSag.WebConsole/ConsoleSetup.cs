using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole;

/// <summary>
/// The operators' web console (DESIGN.md §7, issue 13 item 1): server-rendered Razor Pages, no script, signed in with
/// an access key. <see cref="AddWebConsole"/> registers its services; <see cref="UseWebConsole"/> builds its pipeline
/// on the branch of the console's own listener, which must be the only branch that runs it.
/// </summary>
public static class ConsoleSetup
{
    /// <summary>The Data Protection application name: the keys of <see cref="ConsoleOptions.KeysFolder"/> serve the console only.</summary>
    public const string ApplicationName = "OpenSAG console";

    /// <summary>
    /// Registers the console: Razor Pages from this assembly, cookie sign-in, anti-forgery, Data Protection keys in
    /// <see cref="ConsoleOptions.KeysFolder"/>. Needs the API's services (<c>AddSmartagApi</c>) for the access keys,
    /// the action invoker and the domain services.
    /// </summary>
    public static IServiceCollection AddWebConsole(this IServiceCollection services, ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton<AccessKeyCheck>();
        services.AddSingleton<OpenSessions>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<Instances.InstanceDirectory>();
        // The keys folder is inside the data folder, which is 0700 with 0600 files (DataFolder), like the database and
        // the secrets key beside it: the keys are kept unencrypted at rest, as those are.
        // ... and so the warning that they are ("No XML encryptor configured") says nothing an operator should act on.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error));
        services.AddDataProtection()
            .PersistKeysToFileSystem(new DirectoryInfo(options.KeysFolder))
            .SetApplicationName(ApplicationName);
        var secure = options.Tls ? CookieSecurePolicy.Always : CookieSecurePolicy.None;
        services.AddAuthentication(ConsoleSession.Scheme).AddCookie(ConsoleSession.Scheme, cookie =>
        {
            cookie.Cookie.Name = ConsoleSession.CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = secure;
            cookie.ExpireTimeSpan = ConsoleOptions.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/signin";
            cookie.LogoutPath = "/signout";
            cookie.AccessDeniedPath = "/signin";
            // Back to /signin without ?ReturnUrl=: the console's pages are few and each is one click from /instances.
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.Redirect("/signin");
                return Task.CompletedTask;
            };
            cookie.Events.OnValidatePrincipal = ConsoleSession.ValidateAsync;
        });
        services.AddAuthorization();
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "opensag-console-csrf";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = secure;
            antiforgery.FormFieldName = "__RequestVerificationToken";
            antiforgery.HeaderName = null;
            // SecurityHeaders sends DENY; antiforgery's own default would be SAMEORIGIN.
            antiforgery.SuppressXFrameOptionsHeader = true;
        });
        var assembly = typeof(ConsoleSetup).Assembly;
        services.AddRazorPages(pages =>
            {
                // Every page needs a signed-in session but the sign-in page (and the style sheet, an endpoint of its own).
                pages.Conventions.AuthorizeFolder("/");
                pages.Conventions.AllowAnonymousToPage("/SignIn");
            })
            .ConfigureApplicationPartManager(parts =>
            {
                // The host may already have found this assembly among its dependencies; one part, or every page's route is ambiguous.
                if (!parts.ApplicationParts.Any(p => p is AssemblyPart a && a.Assembly == assembly))
                {
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    {
                        parts.ApplicationParts.Add(part);
                    }
                }
            })
            .AddCookieTempDataProvider(tempData =>
            {
                tempData.Cookie.Name = "opensag-console-flash";
                tempData.Cookie.HttpOnly = true;
                tempData.Cookie.SameSite = SameSiteMode.Strict;
                tempData.Cookie.SecurePolicy = secure;
            });
        return services;
    }

    /// <summary>The console's pipeline, for the branch of its listener only.</summary>
    public static IApplicationBuilder UseWebConsole(this IApplicationBuilder console)
    {
        console.UseMiddleware<SecurityHeaders>();
        console.UseMiddleware<ConsoleErrors>();
        console.UseRouting();
        console.UseAuthentication();
        console.UseAuthorization();
        console.UseEndpoints(endpoints =>
        {
            endpoints.MapGet(Stylesheet.Path, Stylesheet.Serve).AllowAnonymous();
            endpoints.MapRazorPages();
        });
        return console;
    }
}

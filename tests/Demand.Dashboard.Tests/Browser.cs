using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Demand.Dashboard.Tests;

/// <summary>A signed-in (or not) browser context of one test, collecting the page's console errors.</summary>
public sealed class Browser : IAsyncDisposable
{
    private Browser(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => ConsoleErrors.Add(error);

        // Chromium's console line for a failed load names no URL; keep the URL beside it so a failure says what failed.
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                FailedResponses.Add($"{response.Status} {response.Request.Method} {response.Url}");
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public List<string> ConsoleErrors { get; } = [];

    /// <summary>Every response of 400 or more the page received (expected ones included, e.g. a lookup of an unknown shopper).</summary>
    public List<string> FailedResponses { get; } = [];

    public static async Task<Browser> OpenAsync(DashboardApp app, string locale = "en-US", int width = 1200, int height = 800)
    {
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
            TimezoneId = "UTC",
        });
        var browser = new Browser(context, await context.NewPageAsync());
        await browser.Page.GotoAsync(app.Dashboard.ToString());
        await browser.Page.WaitForSelectorAsync("main[data-ready]");
        return browser;
    }

    /// <summary>Opens the dashboard and signs in through its form with <paramref name="key"/>.</summary>
    public static async Task<Browser> SignInAsync(DashboardApp app, string key, string locale = "en-US", int width = 1200, int height = 800)
    {
        var browser = await OpenAsync(app, locale, width, height);
        await browser.Page.FillAsync("#key", key);
        await browser.Page.ClickAsync("form.signin button[type=submit]");
        await browser.Page.WaitForSelectorAsync("#nav a[aria-current=page]");
        await browser.ReadyAsync("overview");
        return browser;
    }

    /// <summary>Goes to <c>#/{page}?{query}</c> and waits until the page has rendered its data.</summary>
    public async Task GoAsync(string page, string query = "")
    {
        var hash = "#/" + page + (query.Length > 0 ? "?" + query : "");
        await Page.EvaluateAsync("hash => { location.hash = hash; }", hash);
        await ReadyAsync(page);
    }

    public Task ReadyAsync(string page) =>
        Page.WaitForSelectorAsync($"main[data-page='{page}']:not([aria-busy])", new PageWaitForSelectorOptions { Timeout = 30_000 });

    /// <summary>The text of each cell of the rows of the table <c>data-testid=<paramref name="testId"/></c>.</summary>
    public async Task<List<string[]>> TableAsync(string testId) =>
        [.. (await Page.EvaluateAsync<string[][]>(
            "id => [...document.querySelectorAll(`table[data-testid='${id}'] tbody tr`)].map(r => [...r.children].map(c => c.textContent.trim()))", testId))];

    public Task<string> TextAsync(string testId) => Page.Locator($"[data-testid='{testId}']").First.InnerTextAsync();

    /// <summary>axe-core's serious and critical violations on the page as it is now.</summary>
    public async Task<List<string>> SeriousAccessibilityViolationsAsync()
    {
        var result = await Page.RunAxe();
        return [.. result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")];
    }

    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardApp.Artifacts, name + ".png"), FullPage = false, Type = ScreenshotType.Png });

    /// <summary>A fetch from inside the page (its cookies, its origin), answering status and body.</summary>
    public Task<FetchResult> FetchAsync(string path, string method = "GET", Dictionary<string, string>? headers = null) =>
        Page.EvaluateAsync<FetchResult>(
            "async ([path, method, headers]) => { const r = await fetch(path, { method, headers, credentials: 'same-origin' }); return { status: r.status, body: await r.text() }; }",
            new object[] { path, method, headers ?? new Dictionary<string, string>() });

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}

/// <summary>What a fetch from the page answered (a class with setters: Playwright fills it from the script's result).</summary>
public sealed class FetchResult
{
    public int Status { get; set; }

    public string Body { get; set; } = "";
}

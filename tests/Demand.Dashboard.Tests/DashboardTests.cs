using Demand.Core.Identifiers;
using Demand.Core.Scoring;
using Demand.Infrastructure.Cosmos;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Demand.Dashboard.Tests;

/// <summary>The dashboard as a merchant uses it: Chromium against the real worker under the local host.</summary>
public sealed partial class DashboardTests(DashboardApp app)
{
    private static readonly string[] Pages = ["overview", "demand", "segments", "needs", "shopper", "model", "usage", "mapping"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Signing_in_sets_an_HttpOnly_Secure_SameSite_Strict_session_cookie_and_the_key_never_reaches_page_script_or_storage()
    {
        var key = await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct);
        await using var browser = await Browser.SignInAsync(app, key);

        var cookie = (await browser.Context.CookiesAsync()).Single(c => c.Name == "demand_session");
        cookie.HttpOnly.ShouldBeTrue();
        cookie.Secure.ShouldBeTrue();
        cookie.SameSite.ShouldBe(SameSiteAttribute.Strict);
        cookie.Path.ShouldBe("/api/dashboard");
        DateTimeOffset.FromUnixTimeSeconds((long)cookie.Expires).ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow.AddMinutes(61));
        cookie.Value.ShouldNotContain(key.Split('.')[3]);

        var visible = await browser.Page.EvaluateAsync<string>(
            "() => document.cookie + '|' + JSON.stringify({ ...localStorage }) + '|' + JSON.stringify({ ...sessionStorage }) + '|' + document.documentElement.outerHTML + '|' + location.href");
        visible.ShouldNotContain(key);
        visible.ShouldNotContain("demand_session");
        (await browser.Page.InnerTextAsync("#merchant")).ShouldBe(DashboardApp.MerchantId);

        // The page names its own icon, so the browser's implicit /favicon.ico request (a 404 under the host) never happens.
        var icon = await browser.Page.EvaluateAsync<string>(
            "async () => { const r = await fetch(document.querySelector('link[rel=icon]').href); return r.status + ' ' + r.headers.get('content-type'); }");
        icon.ShouldBe("200 image/svg+xml");
        browser.FailedResponses.ShouldBeEmpty();
        browser.ConsoleErrors.ShouldBeEmpty("responses of 400 or more: " + string.Join("; ", browser.FailedResponses));
    }

    [Fact]
    public async Task A_storefront_key_cannot_sign_in_and_a_dashboard_key_cannot_call_the_api()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var storefrontKey = api.DefaultRequestHeaders.GetValues("X-Api-Key").Single();
        await using var browser = await Browser.OpenAsync(app);
        await browser.Page.FillAsync("#key", storefrontKey);
        await browser.Page.ClickAsync("form.signin button[type=submit]");
        await browser.Page.WaitForSelectorAsync("[data-testid=signin-problem]");
        (await browser.Context.CookiesAsync()).ShouldNotContain(c => c.Name == "demand_session");

        using var withDashboardKey = new HttpClient { BaseAddress = app.Api };
        withDashboardKey.DefaultRequestHeaders.Add("X-Api-Key", await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        using var response = await withDashboardKey.GetAsync(new Uri($"v1/merchants/{DashboardApp.MerchantId}/insights/demand", UriKind.Relative), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Every_page_shows_the_figures_the_api_returns_for_the_same_merchant()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));

        // Demand: every category's expected buyers, last week's and shoppers.
        var forecast = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/insights/demand", Ct);
        var categories = forecast.GetProperty("categories").EnumerateArray().ToList();
        categories.ShouldNotBeEmpty();
        await browser.GoAsync("demand");
        var demandRows = (await browser.TableAsync("demand")).ToDictionary(r => r[0]);
        demandRows.Count.ShouldBe(categories.Count);
        foreach (var category in categories)
        {
            var row = demandRows[category.GetProperty("categoryId").GetString()!];
            row[1].ShouldBe(Format.Number(category.GetProperty("expectedBuyers").GetDouble()));
            row[4].ShouldBe(Format.Number(category.GetProperty("shoppers").GetInt32(), 0));
        }

        (await browser.Page.Locator("[data-testid=chart-demand] canvas").CountAsync()).ShouldBe(1);

        // Segments: the first page of the first category, in order.
        var first = categories.Select(c => c.GetProperty("categoryId").GetString()!).Order(StringComparer.Ordinal).First();
        var segment = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/segments/{first}?limit=50", Ct);
        await browser.GoAsync("segments", "category=" + first);
        var members = await browser.TableAsync("segment");
        members.Select(m => m[0]).ShouldBe(segment.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetString()!));
        members.Select(m => m[1]).ShouldBe(segment.GetProperty("members").EnumerateArray().Select(m => Format.Number(m.GetProperty("propensity").GetDouble(), 3)));

        // Needs: a category with mined needs, each need's mentions and share; a product's quotes.
        var (needCategory, needs) = await FirstCategoryWithNeedsAsync(api, categories);
        await browser.GoAsync("needs", "category=" + needCategory);
        var needRows = await browser.TableAsync("category-needs");
        needRows.Select(r => r[0]).ShouldBe(needs.GetProperty("needs").EnumerateArray().Select(n => n.GetProperty("need").GetString()!));
        needRows.Select(r => r[2]).ShouldBe(needs.GetProperty("needs").EnumerateArray().Select(n => Format.Number(n.GetProperty("mentions").GetInt32(), 0)));
        needRows.Select(r => r[3]).ShouldBe(needs.GetProperty("needs").EnumerateArray().Select(n => Format.Percent(n.GetProperty("share").GetDouble())));
        var product = needs.GetProperty("needs")[0].GetProperty("topProducts")[0].GetString()!;
        var productNeeds = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/products/{product}/needs", Ct);
        await browser.GoAsync("needs", $"category={needCategory}&product={product}");
        var unmet = await browser.TextAsync("unmet");
        foreach (var need in productNeeds.GetProperty("needs").EnumerateArray().Where(n => n.GetProperty("polarity").GetString() == "negative"))
        {
            unmet.ShouldContain(need.GetProperty("need").GetString()!);
            foreach (var quote in need.GetProperty("quotes").EnumerateArray())
            {
                unmet.ShouldContain(quote.GetString()!);
            }
        }

        // Shopper: the top shopper's categories with propensities.
        var user = segment.GetProperty("members")[0].GetProperty("userId").GetString()!;
        var profile = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/users/{user}/profile", Ct);
        await browser.GoAsync("shopper", "user=" + user);
        var profileRows = await browser.TableAsync("profile-categories");
        profileRows.Select(r => r[0]).ShouldBe(profile.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("categoryId").GetString()!));
        profileRows.Select(r => r[1]).ShouldBe(profile.GetProperty("categories").EnumerateArray().Select(c => Format.Number(c.GetProperty("propensity").GetDouble(), 3)));

        // Mining usage: this month's reviews and requests.
        var usage = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/mining/usage", Ct);
        await browser.GoAsync("usage");
        (await browser.TextAsync("usage-reviews")).ShouldBe(Format.Number(usage.GetProperty("reviews").GetInt64(), 0));
        (await browser.TextAsync("usage-requests")).ShouldBe(Format.Number(usage.GetProperty("requests").GetInt64(), 0));

        // Model: the merchant's active model as the API reports it.
        var model = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/model", Ct);
        await browser.GoAsync("model");
        (await browser.TextAsync("model-version")).ShouldBe(model.GetProperty("activeVersion").GetString());
        (await browser.TextAsync("model-name")).ShouldBe(model.GetProperty("name").GetString());

        browser.ConsoleErrors.ShouldBeEmpty("responses of 400 or more: " + string.Join("; ", browser.FailedResponses));
    }

    [Fact]
    public async Task The_overview_shows_a_parts_reject_reason_with_its_example_row_and_the_upload_to_profile_lag()
    {
        var merchant = "mrej" + Guid.NewGuid().ToString("N")[..6];
        var at = DateTimeOffset.UtcNow.AddHours(-2).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var part = $$"""
            {"eventId":"r1","userId":"u-rej-1","type":"view","timestamp":"{{at}}","productId":"p1","categoryId":"c1"}
            {"eventId":"r2","userId":"u-rej-2","type":"teleport","timestamp":"{{at}}","productId":"p9","categoryId":"c1"}
            """;
        var uploaded = await app.UploadPartAsync(merchant, "2026/bad-line.jsonl", System.Text.Encoding.UTF8.GetBytes(part), Ct);

        using var api = await app.ApiClientAsync(merchant, Ct);
        var list = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{merchant}/ingestions?limit=10", Ct);
        var report = list.GetProperty("ingestions").EnumerateArray().Single();
        report.GetProperty("uploadedAt").GetDateTimeOffset().ShouldBe(uploaded);
        report.GetProperty("finishedAt").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(uploaded);
        var example = report.GetProperty("rejectExamples").GetProperty("unknown_type").EnumerateArray().Single();
        example.GetProperty("line").GetInt64().ShouldBe(2);
        example.GetProperty("excerpt").GetString()!.ShouldContain("\"teleport\"");

        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(merchant, Ct));
        (await browser.TextAsync("parts")).ShouldBe("1");
        (await browser.TextAsync("lines")).ShouldBe(Format.Number(report.GetProperty("linesRead").GetInt64(), 0));
        (await browser.TextAsync("accepted")).ShouldBe(Format.Number(report.GetProperty("accepted").GetInt64(), 0));
        (await browser.TextAsync("rejected")).ShouldBe(Format.Number(report.GetProperty("rejected").GetInt64(), 0));
        var reason = (await browser.TableAsync("reasons")).Single();
        reason[0].ShouldBe("unknown_type");
        reason[1].ShouldBe("1");
        reason[2].ShouldContain("line 2 of 2026/bad-line.jsonl");
        reason[2].ShouldContain("\"type\":\"teleport\"");
        (await browser.Page.InnerTextAsync("dt:has(+ dd[data-testid=lag])")).ShouldBe("Upload-to-profile lag");
        await browser.ScreenshotAsync("overview-rejects-en");
        browser.ConsoleErrors.ShouldBeEmpty("responses of 400 or more: " + string.Join("; ", browser.FailedResponses));
    }

    [Fact]
    public async Task The_model_page_shows_every_outcome_the_API_returns_with_the_best_baseline_on_the_same_shoppers_and_which_recipes_lost_on_them()
    {
        var merchant = "mout" + Guid.NewGuid().ToString("N")[..6];
        static ModelOutcome Outcome(string version, int day, double? auc, double? recall, params (double? Auc, double? Recall)[] baselines) => new()
        {
            ModelVersion = version,
            AsOfDay = new DateOnly(2026, 11, day),
            AsOf = new DateTimeOffset(2026, 11, day, 23, 0, 0, TimeSpan.Zero),
            HorizonEnd = new DateOnly(2026, 11, day + 7),
            EvaluatedAt = new DateTimeOffset(2026, 11, day + 9, 2, 0, 0, TimeSpan.Zero),
            Shoppers = 1_250 + day,
            Buyers = 180 + day,
            Pairs = 20_000,
            Auc = auc,
            RecallAt5 = recall,
            Ece = 0.0213,
            MeanPropensity = 0.0181,
            ObservedRate = 0.0164,
            Baselines = [.. baselines.Select((b, i) => new OutcomeBaseline("baseline " + i, b.Auc, b.Recall))],
        };
        var state = new MerchantModelState
        {
            MerchantId = merchant,
            LastRun = new TrainingRun
            {
                At = new DateTimeOffset(2026, 11, 30, 3, 0, 0, TimeSpan.Zero),
                HistoryEnd = new DateOnly(2026, 11, 29),
                BackTestFrom = new DateOnly(2026, 11, 15),
                TrainingPairs = 1_000,
                SampledOutPairs = 0,
                BackTestBuyers = 40,
                BackTest = [new CandidateFigures("baseline: b", CandidateKind.Baseline, 0.7, 0.4)],
                Winner = "baseline: b",
                Promoted = false,
                Reason = "left out on live outcomes: merchant-logistic",
                Live =
                [
                    new LiveRecord("demand-mlp-3", 1, 181, 0.4012, "baseline 1", 0.3799),
                    new LiveRecord("merchant-logistic", 2, 365, 0.3211, "baseline 0", 0.4311),
                ],
                LeftOut = ["merchant-logistic: live Recall@5 0.321 vs baseline 0 0.431 over 2 horizons, 365 buyers"],
            },
            Outcomes =
            [
                Outcome("demand-mlp-3", 1, 0.8123, 0.4012, (0.7, 0.35), (0.75, 0.3799)),
                Outcome("merchant-logistic-20261102-0a1b2c3d", 2, 0.7901, 0.4257, (0.71, 0.4311), (0.74, null)),
                Outcome("merchant-logistic-20261102-0a1b2c3d", 3, null, null, (null, null)),
            ],
        };
        await app.Db.Insights.UpsertItemAsync(state, DemandCosmos.MerchantKey(merchant), cancellationToken: Ct);

        using var api = await app.ApiClientAsync(merchant, Ct);
        var outcomes = (await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{merchant}/model", Ct)).GetProperty("outcomes").EnumerateArray().ToList();
        outcomes.Count.ShouldBe(3);

        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(merchant, Ct));
        await browser.GoAsync("model");
        var rows = await browser.TableAsync("outcomes");
        static string Figure(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? "—" : Format.Number(e.GetProperty(name).GetDouble(), 3);
        rows.Select(r => r[1]).ShouldBe(outcomes.Select(o => o.GetProperty("modelVersion").GetString()));
        rows.Select(r => r[2]).ShouldBe(outcomes.Select(o => Format.Number(o.GetProperty("buyers").GetInt32(), 0) + " / " + Format.Number(o.GetProperty("shoppers").GetInt32(), 0)));
        rows.Select(r => r[3]).ShouldBe(outcomes.Select(o => Figure(o, "auc")));
        rows.Select(r => r[4]).ShouldBe(outcomes.Select(o => Figure(o, "recallAt5")));
        rows.Select(r => r[5]).ShouldBe(outcomes.Select(o => Format.Number(o.GetProperty("baselines").EnumerateArray().Max(b => b.GetProperty("recallAt5").ValueKind == JsonValueKind.Null ? 0 : b.GetProperty("recallAt5").GetDouble()), 3)));
        rows.Select(r => r[6]).ShouldBe(outcomes.Select(o => Format.Number(o.GetProperty("ece").GetDouble(), 3)));
        rows.Select(r => r[7]).ShouldBe(outcomes.Select(o => Format.Percent(o.GetProperty("meanPropensity").GetDouble())));
        rows.Select(r => r[8]).ShouldBe(outcomes.Select(o => Format.Percent(o.GetProperty("observedRate").GetDouble())));
        (await browser.Page.Locator("[data-testid='chart-outcomes']").CountAsync()).ShouldBe(1);
        var live = (await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{merchant}/model", Ct)).GetProperty("lastTraining").GetProperty("live").EnumerateArray().ToList();
        var liveRows = await browser.TableAsync("live");
        liveRows.Select(r => r[0]).ShouldBe(live.Select(l => l.GetProperty("recipe").GetString()));
        liveRows.Select(r => r[3]).ShouldBe(live.Select(l => Format.Number(l.GetProperty("recallAt5").GetDouble(), 3)));
        liveRows.Select(r => r[5]).ShouldBe(live.Select(l => l.GetProperty("losing").GetBoolean() ? "lost to a baseline: left out" : "kept"));
        liveRows[1][5].ShouldBe("lost to a baseline: left out", "2 horizons, 365 buyers, 0.11 below the baseline");
        await browser.ScreenshotAsync("model-outcomes-en");
        browser.ConsoleErrors.ShouldBeEmpty("responses of 400 or more: " + string.Join("; ", browser.FailedResponses));
    }

    [Theory]
    [InlineData("en-US", "en", "Overview")]
    [InlineData("zh-CN", "zh-CN", "概览")]
    public async Task Every_page_renders_in_the_browsers_language_without_console_errors_or_serious_accessibility_violations(string locale, string lang, string overview)
    {
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct), locale);
        (await browser.Page.GetAttributeAsync("html", "lang")).ShouldBe(lang);
        (await browser.Page.InnerTextAsync("#nav a[data-page=overview]")).ShouldBe(overview);

        var violations = new List<string>();
        foreach (var page in Pages)
        {
            await browser.GoAsync(page, page == "shopper" ? "user=" + await TopShopperAsync() : "");
            (await browser.Page.Locator("main h1").CountAsync()).ShouldBe(1, page);
            await browser.ScreenshotAsync($"{page}-{lang}");
            violations.AddRange((await browser.SeriousAccessibilityViolationsAsync()).Select(v => page + ": " + v));
        }

        violations.ShouldBeEmpty();
        browser.ConsoleErrors.ShouldBeEmpty("responses of 400 or more: " + string.Join("; ", browser.FailedResponses));
    }

    [Fact]
    public async Task The_language_switch_changes_the_language_and_number_formats_follow_it()
    {
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        await browser.Page.SelectOptionAsync("#lang", "zh-CN");
        await browser.Page.WaitForSelectorAsync("html[lang='zh-CN']");
        await browser.ReadyAsync("overview");
        await browser.GoAsync("demand");
        (await browser.Page.InnerTextAsync("main h1")).ShouldBe("未来 7 天预计购买人数");
        (await browser.Page.InnerTextAsync("main .muted")).ShouldMatch(@"\d{4}年\d{1,2}月\d{1,2}日");
    }

    [Fact]
    public async Task On_a_phone_every_page_fits_the_screen_width()
    {
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct), width: 390, height: 844);
        foreach (var page in Pages)
        {
            await browser.GoAsync(page);
            var overflow = await browser.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            overflow.ShouldBeLessThanOrEqualTo(0, page);
        }

        await browser.GoAsync("demand");
        await browser.ScreenshotAsync("demand-en-phone");
    }

    [Fact]
    public async Task The_keyboard_reaches_the_skip_link_then_the_navigation_and_opens_a_page()
    {
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        await browser.Page.Keyboard.PressAsync("Tab");
        (await browser.Page.EvaluateAsync<string>("() => document.activeElement.id")).ShouldBe("skip");
        await browser.Page.Keyboard.PressAsync("Tab");
        await browser.Page.Keyboard.PressAsync("Tab");
        (await browser.Page.EvaluateAsync<string>("() => document.activeElement.dataset.page")).ShouldBe("demand");
        await browser.Page.Keyboard.PressAsync("Enter");
        await browser.ReadyAsync("demand");
    }

    [Fact]
    public async Task The_segment_csv_download_holds_every_member_the_api_returns()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var category = await FirstCategoryAsync(api);
        var expected = new List<string>();
        string? continuation = null;
        do
        {
            var page = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/segments/{category}?limit=500" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation)), Ct);
            expected.AddRange(page.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetString() + "," + m.GetProperty("propensity").GetDouble().ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)));
            continuation = page.GetProperty("continuation").GetString();
        }
        while (continuation is not null);

        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        await browser.GoAsync("segments", "category=" + category);
        var download = await browser.Page.RunAndWaitForDownloadAsync(() => browser.Page.ClickAsync("[data-testid=csv]"));
        download.SuggestedFilename.ShouldBe($"segment-{category}.csv");
        var lines = File.ReadAllLines(await download.PathAsync());
        lines[0].ShouldBe("userId,propensity");
        lines.Skip(1).ShouldBe(expected);
    }

    [Fact]
    public async Task Erasing_a_shopper_asks_for_confirmation_and_afterwards_the_api_no_longer_knows_them()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var user = await NewShopperAsync(api, DashboardApp.MerchantId);
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        await browser.GoAsync("shopper", "user=" + user);

        await browser.Page.ClickAsync("[data-testid=erase]");
        await browser.Page.ClickAsync("[data-testid=confirm] button[value=cancel]");
        (await api.GetAsync(new Uri($"v1/merchants/{DashboardApp.MerchantId}/users/{user}/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, "cancel erases nothing");

        await browser.Page.ClickAsync("[data-testid=erase]");
        await browser.Page.ClickAsync("[data-testid=confirm-erase]");
        await browser.Page.WaitForSelectorAsync("[data-testid=erased]");
        (await api.GetAsync(new Uri($"v1/merchants/{DashboardApp.MerchantId}/users/{user}/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        browser.ConsoleErrors.ShouldBeEmpty("responses of 400 or more: " + string.Join("; ", browser.FailedResponses));
    }

    [Fact]
    public async Task Exporting_a_shopper_downloads_what_the_api_exports()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var user = await NewShopperAsync(api, DashboardApp.MerchantId);
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        await browser.GoAsync("shopper", "user=" + user);
        var download = await browser.Page.RunAndWaitForDownloadAsync(() => browser.Page.ClickAsync("[data-testid=export]"));
        using var exported = JsonDocument.Parse(await File.ReadAllTextAsync(await download.PathAsync(), Ct));
        var expected = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/users/{user}/export", Ct);
        exported.RootElement.GetProperty("features").GetProperty("userId").GetString().ShouldBe(user);
        JsonSerializer.Serialize(exported.RootElement).ShouldBe(JsonSerializer.Serialize(expected));
    }

    [Fact]
    public async Task A_dry_run_of_the_mapping_on_pasted_lines_counts_accepted_and_rejected_lines()
    {
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        await browser.GoAsync("mapping");
        (await browser.TextAsync("mapping")).ShouldContain("\"name\": \"default\"");
        var at = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await browser.Page.FillAsync("#sample", $$"""
            {"eventId":"d1","userId":"u-dry","type":"view","timestamp":"{{at}}","productId":"p1","categoryId":"c1"}
            {"eventId":"d2","userId":"u-dry","type":"teleport","timestamp":"{{at}}","productId":"p1","categoryId":"c1"}
            """);
        await browser.Page.ClickAsync("main form button[type=submit]");
        await browser.Page.WaitForSelectorAsync("[data-testid=dry-accepted]");
        (await browser.TextAsync("dry-accepted")).ShouldBe("1");
        (await browser.TextAsync("dry-rejected")).ShouldBe("1");
        browser.ConsoleErrors.ShouldBeEmpty("responses of 400 or more: " + string.Join("; ", browser.FailedResponses));
    }

    [Fact]
    public async Task A_session_of_one_merchant_gets_the_apis_404_for_anything_of_another_merchant()
    {
        var other = "mother" + Guid.NewGuid().ToString("N")[..6];
        using var otherApi = await app.ApiClientAsync(other, Ct);
        var otherUser = await NewShopperAsync(otherApi, other);
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));

        string[] routes = [$"users/{otherUser}/profile", $"users/{otherUser}/export", "insights/demand", "segments/c1", "segments/c1/csv", "categories/c1/needs", "mining/usage", "model", "ingestions", "dashboard-keys"];
        using var unknownViaApi = await otherApi.GetAsync(new Uri($"v1/merchants/{other}/users/nobody-{Guid.NewGuid():N}/profile", UriKind.Relative), Ct);
        unknownViaApi.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var unknown = await unknownViaApi.Content.ReadAsStringAsync(Ct);
        foreach (var route in routes)
        {
            var response = await browser.FetchAsync($"/api/dashboard/v1/merchants/{other}/{route}");
            response.Status.ShouldBe(404, route);
            StripTrace(response.Body).ShouldBe(StripTrace(unknown), route);
        }

        // Its own unknown shopper is "nothing yet" for the page (204, no failed request in the console).
        (await browser.FetchAsync($"/api/dashboard/v1/merchants/{DashboardApp.MerchantId}/users/nobody-{Guid.NewGuid():N}/profile")).Status.ShouldBe(204);

        var session = JsonDocument.Parse((await browser.FetchAsync("/api/dashboard/session")).Body).RootElement.GetProperty("csrfToken").GetString()!;
        var erase = await browser.FetchAsync($"/api/dashboard/v1/merchants/{other}/users/{otherUser}", "DELETE", new() { ["X-CSRF-Token"] = session });
        erase.Status.ShouldBe(404);
        (await browser.FetchAsync($"/api/dashboard/v1/merchants/{other}/dashboard-keys", "POST", new() { ["X-CSRF-Token"] = session })).Status.ShouldBe(404, "no key minted for another merchant");
        (await otherApi.GetAsync(new Uri($"v1/merchants/{other}/users/{otherUser}/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The session cookie is no API key.
        var viaApi = await browser.FetchAsync($"/api/v1/merchants/{DashboardApp.MerchantId}/insights/demand");
        viaApi.Status.ShouldBe(401);
    }

    [Fact]
    public async Task A_route_with_an_invalid_merchant_or_user_id_answers_the_apis_400_naming_the_field_and_never_a_500()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var user = await NewShopperAsync(api, DashboardApp.MerchantId);
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        var csrf = JsonDocument.Parse((await browser.FetchAsync("/api/dashboard/session")).Body).RootElement.GetProperty("csrfToken").GetString()!;

        foreach (var route in new[] { "mapping.m2/insights/demand", "M1/model", $"{DashboardApp.MerchantId}.x/users/{user}/profile" })
        {
            var response = await browser.FetchAsync("/api/dashboard/v1/merchants/" + route);
            response.Status.ShouldBe(400, route);
            JsonDocument.Parse(response.Body).RootElement.GetProperty("errors").TryGetProperty("merchantId", out _).ShouldBeTrue(route);
        }

        foreach (var id in new[] { user + "%23", user + "%3F", "%20%20%20" })
        {
            var profile = await browser.FetchAsync($"/api/dashboard/v1/merchants/{DashboardApp.MerchantId}/users/{id}/profile");
            profile.Status.ShouldBe(400, id);
            JsonDocument.Parse(profile.Body).RootElement.GetProperty("errors").TryGetProperty("userId", out _).ShouldBeTrue(id);
            (await browser.FetchAsync($"/api/dashboard/v1/merchants/{DashboardApp.MerchantId}/users/{id}", "DELETE", new() { ["X-CSRF-Token"] = csrf })).Status.ShouldBe(400, id);
        }

        (await api.GetAsync(new Uri($"v1/merchants/{DashboardApp.MerchantId}/users/{user}/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, "the real shopper is untouched");
    }

    [Fact]
    public async Task A_write_without_the_sessions_csrf_token_is_refused_and_changes_nothing()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var user = await NewShopperAsync(api, DashboardApp.MerchantId);
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        await using var otherSession = await Browser.SignInAsync(app, await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct));
        var othersToken = JsonDocument.Parse((await otherSession.FetchAsync("/api/dashboard/session")).Body).RootElement.GetProperty("csrfToken").GetString()!;
        var path = $"/api/dashboard/v1/merchants/{DashboardApp.MerchantId}/users/{user}";

        (await browser.FetchAsync(path, "DELETE")).Status.ShouldBe(403);
        (await browser.FetchAsync(path, "DELETE", new() { ["X-CSRF-Token"] = "forged" })).Status.ShouldBe(403);
        (await browser.FetchAsync(path, "DELETE", new() { ["X-CSRF-Token"] = othersToken })).Status.ShouldBe(403, "another session's token");
        (await browser.FetchAsync("/api/dashboard/session", "DELETE")).Status.ShouldBe(403, "sign-out is a write too");
        (await api.GetAsync(new Uri($"v1/merchants/{DashboardApp.MerchantId}/users/{user}/profile", UriKind.Relative), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server_so_a_copy_of_the_cookie_gets_401_and_other_sessions_go_on()
    {
        var key = await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct);
        await using var browser = await Browser.SignInAsync(app, key);
        await using var sameKeyElsewhere = await Browser.SignInAsync(app, key);
        var copied = (await browser.Context.CookiesAsync()).Single(c => c.Name == "demand_session");
        var demand = $"/api/dashboard/v1/merchants/{DashboardApp.MerchantId}/insights/demand";
        await using var thief = await Browser.OpenAsync(app);
        await thief.Context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = copied.Name, Value = copied.Value, Domain = copied.Domain, Path = copied.Path, Secure = copied.Secure, HttpOnly = copied.HttpOnly, SameSite = copied.SameSite, Expires = copied.Expires }]);
        (await thief.FetchAsync(demand)).Status.ShouldBe(200, "the copy works while the session lasts");

        await browser.Page.ClickAsync("#signout");
        await browser.Page.WaitForSelectorAsync("form.signin");

        (await browser.Context.CookiesAsync()).ShouldNotContain(c => c.Name == "demand_session");
        (await browser.FetchAsync(demand)).Status.ShouldBe(401);
        (await thief.FetchAsync(demand)).Status.ShouldBe(401, "the copied cookie names an ended session");
        (await sameKeyElsewhere.FetchAsync(demand)).Status.ShouldBe(200, "another session of the same key is not signed out");
    }

    [Fact]
    public async Task A_session_creates_lists_and_revokes_dashboard_keys_with_its_csrf_token_and_a_storefront_key_cannot()
    {
        var merchant = "mkeys" + Guid.NewGuid().ToString("N")[..6];
        using var api = await app.ApiClientAsync(merchant, Ct);
        var storefrontKeyId = api.DefaultRequestHeaders.GetValues("X-Api-Key").Single().Split('.')[2];
        await using var browser = await Browser.SignInAsync(app, await app.DashboardKeyAsync(merchant, Ct));
        var csrf = JsonDocument.Parse((await browser.FetchAsync("/api/dashboard/session")).Body).RootElement.GetProperty("csrfToken").GetString()!;
        var keys = $"/api/dashboard/v1/merchants/{merchant}/dashboard-keys";

        (await browser.FetchAsync(keys, "POST")).Status.ShouldBe(403, "a write without the CSRF token");
        var created = await browser.FetchAsync(keys, "POST", new() { ["X-CSRF-Token"] = csrf });
        created.Status.ShouldBe(201);
        var key = JsonDocument.Parse(created.Body).RootElement.GetProperty("key").GetString()!;
        key.ShouldStartWith($"dd.{merchant}.");
        var keyId = key.Split('.')[2];

        await using (var withNewKey = await Browser.SignInAsync(app, key))
        {
            (await withNewKey.Page.InnerTextAsync("#merchant")).ShouldBe(merchant);
        }

        var listed = JsonDocument.Parse((await browser.FetchAsync(keys)).Body).RootElement.GetProperty("keys").EnumerateArray().ToList();
        listed.Select(k => k.GetProperty("keyId").GetString()).ShouldContain(keyId);
        listed.Select(k => k.GetProperty("keyId").GetString()).ShouldNotContain(storefrontKeyId, "storefront keys are not managed here");
        listed.ShouldAllBe(k => !k.GetRawText().Contains(key.Split('.')[3], StringComparison.Ordinal));

        (await browser.FetchAsync($"{keys}/{storefrontKeyId}", "DELETE", new() { ["X-CSRF-Token"] = csrf })).Status.ShouldBe(404, "a storefront key's id");
        var revoked = await browser.FetchAsync($"{keys}/{keyId}", "DELETE", new() { ["X-CSRF-Token"] = csrf });
        revoked.Status.ShouldBe(200);
        JsonDocument.Parse(revoked.Body).RootElement.GetProperty("revokedAt").ValueKind.ShouldBe(JsonValueKind.String);
        (await api.GetAsync(new Uri($"v1/merchants/{merchant}/insights/demand", UriKind.Relative), Ct)).StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized, "the storefront key is untouched");

        // A storefront key reaches none of it: not as a header on the dashboard's routes, nor through the API's.
        using var storefront = new HttpRequestMessage(HttpMethod.Post, new Uri(app.Dashboard, keys));
        storefront.Headers.Add("X-Api-Key", api.DefaultRequestHeaders.GetValues("X-Api-Key").Single());
        using var http = new HttpClient();
        (await http.SendAsync(storefront, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.PostAsync(new Uri($"v1/merchants/{merchant}/dashboard-keys", UriKind.Relative), null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_revoked_dashboard_key_ends_its_sessions()
    {
        var key = await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct);
        await using var browser = await Browser.SignInAsync(app, key);
        await new Demand.Infrastructure.Cosmos.CosmosMerchantStore(app.Db, TimeProvider.System).RevokeKeyAsync(MerchantId.Parse(DashboardApp.MerchantId), key.Split('.')[2], Ct);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(45);
        int status;
        do
        {
            await Task.Delay(1_000, Ct);
            status = (await browser.FetchAsync($"/api/dashboard/v1/merchants/{DashboardApp.MerchantId}/insights/demand")).Status;
        }
        while (status != 401 && DateTimeOffset.UtcNow < deadline);

        status.ShouldBe(401, "within the key cache time");
    }

    [Fact]
    public async Task Assets_have_content_hashed_names_cached_for_a_year_and_the_page_is_revalidated_every_time()
    {
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None });
        using var request = new HttpRequestMessage(HttpMethod.Get, app.Dashboard);
        request.Headers.AcceptEncoding.ParseAdd("br");
        using var page = await http.SendAsync(request, Ct);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Headers.CacheControl!.NoCache.ShouldBeTrue();
        page.Content.Headers.ContentEncoding.ShouldBe(["br"]);
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("script-src 'self'");

        var html = await http.GetStringAsync(app.Dashboard, Ct);
        var assets = AssetPath().Matches(html).Select(m => m.Value).Distinct().ToList();
        assets.Count.ShouldBe(5);
        assets.ShouldContain(a => a.Contains("/uPlot.iife.min.", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var response = await http.GetAsync(new Uri(app.Dashboard, asset), Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, asset);
            response.Headers.CacheControl!.ToString().ShouldBe("public, max-age=31536000, immutable");
        }

        using var unhashed = await http.GetAsync(new Uri(app.Dashboard, "/api/dashboard/assets/app.js"), Ct);
        unhashed.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        html.ShouldNotContain("//cdn");
    }

    /// <summary>Page weight (first load, compressed) and time to render the biggest page; printed and kept as an artefact.</summary>
    [Fact]
    public async Task The_first_load_weight_and_the_time_to_render_the_biggest_page_are_measured()
    {
        var key = await app.DashboardKeyAsync(DashboardApp.MerchantId, Ct);
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var (category, _) = await FirstCategoryWithNeedsAsync(api, (await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/insights/demand", Ct)).GetProperty("categories").EnumerateArray().ToList());
        await using var browser = await Browser.SignInAsync(app, key);
        var fresh = await app.Browser.NewContextAsync(new BrowserNewContextOptions { StorageState = await browser.Context.StorageStateAsync() });
        var page = await fresh.NewPageAsync();
        var finished = new System.Collections.Concurrent.ConcurrentQueue<IRequest>();

        // Sizes are read after the load: awaiting Playwright inside its own event handler would block its dispatcher.
        page.RequestFinished += (_, request) => finished.Enqueue(request);
        var started = DateTimeOffset.UtcNow;
        await page.GotoAsync(app.Dashboard + "#/needs?category=" + category);
        await page.WaitForSelectorAsync("main[data-page='needs']:not([aria-busy]) table[data-testid=category-needs]");
        await page.WaitForSelectorAsync("[data-testid=chart-needs] canvas");
        var rendered = DateTimeOffset.UtcNow - started;
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        long bytes = 0;
        long staticBytes = 0;
        foreach (var request in finished)
        {
            var sizes = await request.SizesAsync();
            bytes += sizes.ResponseBodySize + sizes.ResponseHeadersSize;
            staticBytes += request.Url.Contains("/dashboard/assets/", StringComparison.Ordinal) || request.Url.EndsWith("/api/dashboard", StringComparison.Ordinal) || request.Url.Contains("/api/dashboard#", StringComparison.Ordinal)
                ? sizes.ResponseBodySize + sizes.ResponseHeadersSize
                : 0;
        }

        var requests = finished.Count;
        await fresh.DisposeAsync();

        var report = $"dashboard first load of the needs page (cold cache, Brotli): {requests} requests, {bytes / 1024.0:F1} KiB transferred "
            + $"({staticBytes / 1024.0:F1} KiB page and assets, {(bytes - staticBytes) / 1024.0:F1} KiB session and data); time to render its table and chart: {rendered.TotalMilliseconds:F0} ms";
        await File.WriteAllTextAsync(Path.Combine(DashboardApp.Artifacts, "page-weight.txt"), report + Environment.NewLine, Ct);
        TestContext.Current.SendDiagnosticMessage(report);
        Console.WriteLine(report);
        bytes.ShouldBeGreaterThan(0);
    }

    private static string StripTrace(string problem) => TraceId().Replace(problem, "");

    private async Task<string> TopShopperAsync()
    {
        using var api = await app.ApiClientAsync(DashboardApp.MerchantId, Ct);
        var category = await FirstCategoryAsync(api);
        var segment = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/segments/{category}?limit=1", Ct);
        return segment.GetProperty("members")[0].GetProperty("userId").GetString()!;
    }

    private static async Task<string> FirstCategoryAsync(HttpClient api)
    {
        var forecast = await api.GetFromJsonAsync<JsonElement>($"v1/merchants/{DashboardApp.MerchantId}/insights/demand", Ct);
        return forecast.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("categoryId").GetString()!).Order(StringComparer.Ordinal).First();
    }

    private static async Task<(string Category, JsonElement Needs)> FirstCategoryWithNeedsAsync(HttpClient api, List<JsonElement> categories)
    {
        foreach (var id in categories.Select(c => c.GetProperty("categoryId").GetString()!).Order(StringComparer.Ordinal))
        {
            using var response = await api.GetAsync(new Uri($"v1/merchants/{DashboardApp.MerchantId}/categories/{id}/needs", UriKind.Relative), Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var needs = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
                if (needs.GetProperty("needs").GetArrayLength() > 0)
                {
                    return (id, needs);
                }
            }
        }

        throw new InvalidOperationException("The generated market has no category with mined needs.");
    }

    /// <summary>A shopper of this test's own, created through the API's real-time events (scored before the answer).</summary>
    private static async Task<string> NewShopperAsync(HttpClient api, string merchantId)
    {
        var user = "u-" + Guid.NewGuid().ToString("N")[..10];
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var events = new[]
        {
            new { eventId = user + "-1", userId = user, type = "view", timestamp = now, productId = "p-dash-1", categoryId = "coffee-beans" },
            new { eventId = user + "-2", userId = user, type = "cart_add", timestamp = now.AddMinutes(1), productId = "p-dash-1", categoryId = "coffee-beans" },
        };
        using var response = await api.PostAsJsonAsync(new Uri($"v1/merchants/{merchantId}/events", UriKind.Relative), new { events }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return user;
    }

    [GeneratedRegex(@"/api/dashboard/assets/[A-Za-z0-9.\-]+\.[0-9a-f]{12}\.(js|css)")]
    private static partial Regex AssetPath();

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();
}

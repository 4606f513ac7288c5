using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Demand.Tooling.Host;

/// <summary>An HTTP function's route template (default: the function name) and methods (default: all), under the route prefix.</summary>
internal sealed class HttpRoute
{
    private readonly TemplateMatcher _matcher;
    private readonly HashSet<string>? _methods;

    public HttpRoute(HostedFunction function, string routePrefix)
    {
        Function = function;
        var route = RouteOf(function);
        Template = string.IsNullOrEmpty(routePrefix) ? route : $"{routePrefix}/{route}";
        var template = TemplateParser.Parse(Template);
        _matcher = new TemplateMatcher(template, new RouteValueDictionary());
        Precedence = RoutePrecedence.ComputeInbound(template);
        if (function.TriggerBinding.Raw.TryGetProperty("methods", out var methods) && methods.ValueKind == System.Text.Json.JsonValueKind.Array && methods.GetArrayLength() > 0)
        {
            _methods = new HashSet<string>(methods.EnumerateArray().Select(m => m.GetString()!), StringComparer.OrdinalIgnoreCase);
        }
    }

    public HostedFunction Function { get; }

    public string Template { get; }

    /// <summary>
    /// ASP.NET Core's inbound precedence (lower is tried first): literal segments before parameters, parameters before
    /// catch-alls, so a <c>{*path}</c> route only gets what no other route matches.
    /// </summary>
    public decimal Precedence { get; }

    public static string RouteOf(HostedFunction function) =>
        function.TriggerBinding.Text("route") is { Length: > 0 } route ? route.Trim('/') : function.Name;

    public bool TryMatch(string method, string path, out RouteValueDictionary values)
    {
        values = [];
        return (_methods is null || _methods.Contains(method)) && _matcher.TryMatch(path, values);
    }
}

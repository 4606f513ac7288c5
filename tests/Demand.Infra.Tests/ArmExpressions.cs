using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Demand.Infra.Tests;

/// <summary>
/// A value only Azure knows at deployment time (a principal id, a reference, a unique string), carried as the text of
/// the expression that produces it so a test can say whose it is: <c>deployer().objectId</c>,
/// <c>reference(…/deployments/identity).outputs.principalId.value</c>.
/// </summary>
internal sealed record Opaque(string Text)
{
    public override string ToString() => Text;
}

/// <summary>
/// Evaluates the ARM template language expressions Bicep emits (<c>[parameters('x')]</c>, <c>createArray</c>,
/// <c>if</c>, <c>copyIndex</c>, <c>subscriptionResourceId</c>, property access, …) far enough to expand copy loops,
/// decide conditions and read role assignments from a compiled template. What only Azure can know becomes an
/// <see cref="Opaque"/>; an unknown function fails loudly rather than guessing.
/// </summary>
internal sealed class ArmScope(JsonObject template, IReadOnlyDictionary<string, object?> parameterValues)
{
    private readonly Dictionary<string, object?> parameters = new(StringComparer.OrdinalIgnoreCase);

    public int? CopyIndex { get; set; }

    public JsonObject Template => template;

    public object? Parameter(string name)
    {
        if (parameters.TryGetValue(name, out var cached))
        {
            return cached;
        }

        object? value;
        if (parameterValues.TryGetValue(name, out var given))
        {
            value = given;
        }
        else
        {
            var declaration = template["parameters"]?[name] ?? throw new InvalidOperationException($"No parameter '{name}'.");
            value = declaration["defaultValue"] is { } d ? Evaluate(d) : throw new InvalidOperationException($"Parameter '{name}' has no value and no default.");
        }

        parameters[name] = value;
        return value;
    }

    public object? Variable(string name) =>
        Evaluate(template["variables"]?[name] ?? throw new InvalidOperationException($"No variable '{name}'."));

    /// <summary>Evaluates a JSON value: strings in [brackets] as expressions, objects and arrays member by member.</summary>
    public object? Evaluate(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => Evaluate(p.Value), StringComparer.OrdinalIgnoreCase),
        JsonArray a => a.Select(Evaluate).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => EvaluateString(s),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v => v.ToString(),
        _ => throw new InvalidOperationException($"Unknown JSON node {node.GetType().Name}."),
    };

    private object? EvaluateString(string s)
    {
        if (s.StartsWith("[[", StringComparison.Ordinal))
        {
            return s[1..];
        }

        if (s.Length >= 2 && s[0] == '[' && s[^1] == ']')
        {
            var parser = new Parser(s[1..^1], this);
            var value = parser.ParseExpression();
            parser.ExpectEnd();
            return value;
        }

        return s;
    }

    public static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        Opaque o => o.Text,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Not a string: {value.GetType().Name}."),
    };

    private object? Call(string name, List<object?> args)
    {
        switch (name.ToLowerInvariant())
        {
            case "parameters": return Parameter(Text(args[0]));
            case "variables": return Variable(Text(args[0]));
            case "createarray": return args;
            case "createobject":
                var created = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i + 1 < args.Count; i += 2)
                {
                    created[Text(args[i])] = args[i + 1];
                }

                return created;
            case "if": return args[0] is true ? args[1] : args[2];
            case "not": return args[0] is not true;
            case "and": return args.All(a => a is true);
            case "or": return args.Any(a => a is true);
            case "true": return true;
            case "false": return false;
            case "null": return null;
            case "equals": return Equals(args[0], args[1]) || (args[0] is not null && args[1] is not null && Text(args[0]) == Text(args[1]));
            case "empty":
                return args[0] switch
                {
                    null => true,
                    string s => s.Length == 0,
                    List<object?> l => l.Count == 0,
                    Dictionary<string, object?> d => d.Count == 0,
                    _ => false,
                };
            case "length":
                return args[0] switch
                {
                    List<object?> l => (long)l.Count,
                    string s => (long)s.Length,
                    Dictionary<string, object?> d => (long)d.Count,
                    _ => throw new InvalidOperationException("length() of an unknown value."),
                };
            case "copyindex": return (long)(CopyIndex ?? throw new InvalidOperationException("copyIndex() outside a copy loop.")) + (args.Count > 0 && args[^1] is long offset ? offset : 0);
            case "format":
                var format = Text(args[0]);
                var rest = args.Skip(1).Select(Text).ToArray();
                return string.Format(CultureInfo.InvariantCulture, format, rest);
            case "concat":
                return args.Count > 0 && args[0] is List<object?> ? args.SelectMany(a => (List<object?>)a!).ToList() : string.Concat(args.Select(Text));
            case "union":
                var merged = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                foreach (var d in args.Cast<Dictionary<string, object?>>())
                {
                    foreach (var (k, v) in d)
                    {
                        merged[k] = v;
                    }
                }

                return merged;
            case "tolower": return args[0] is string ls ? ls.ToLowerInvariant() : new Opaque($"toLower({Text(args[0])})");
            case "take": return args[0] is string ts ? ts[..Math.Min(ts.Length, (int)(long)args[1]!)] : new Opaque($"take({Text(args[0])})");
            case "subscriptionresourceid": return $"/subscriptions/{{sub}}/providers/{Text(args[0])}/{string.Join('/', args.Skip(1).Select(Text))}";
            case "resourceid": return $"{{rg}}/providers/{Text(args[0])}/{string.Join('/', args.Skip(1).Select(Text))}";
            case "extensionresourceid": return $"{Text(args[0])}/providers/{Text(args[1])}/{string.Join('/', args.Skip(2).Select(Text))}";
            case "reference": return new Opaque($"reference({Text(args[0])})");
            case "deployer": return new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["objectId"] = new Opaque("deployer().objectId"), ["tenantId"] = new Opaque("deployer().tenantId") };
            case "resourcegroup":
            case "subscription":
            case "tenant":
            case "environment":
            case "deployment":
                return new Opaque($"{name}()");
            case "items" when args[0] is Dictionary<string, object?> itemsOf:
                return itemsOf.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                    .Select(p => (object?)new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["key"] = p.Key, ["value"] = p.Value })
                    .ToList();
            case "guid":
            case "uniquestring":
            case "listkeys":
            case "cidrsubnet":
            case "items":
            case "string":
            case "json":
                return new Opaque($"{name}({string.Join(", ", args.Select(a => a is List<object?> or Dictionary<string, object?> ? "…" : Text(a)))})");
            default:
                throw new InvalidOperationException($"ARM function '{name}' is not understood by this evaluator.");
        }
    }

    private static object? Member(object? target, string name) => target switch
    {
        Dictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"No member '{name}'."),
        Opaque o => new Opaque($"{o.Text}.{name}"),
        _ => throw new InvalidOperationException($"Member '{name}' of {target?.GetType().Name ?? "null"}."),
    };

    private static object? Index(object? target, object? index) => (target, index) switch
    {
        (List<object?> l, long i) => l[(int)i],
        (Dictionary<string, object?> d, _) => Member(d, Text(index)),
        (Opaque o, _) => new Opaque($"{o.Text}[{Text(index)}]"),
        _ => throw new InvalidOperationException("Index of an unknown value."),
    };

    private sealed class Parser(string text, ArmScope scope)
    {
        private int position;

        public void ExpectEnd()
        {
            SkipSpace();
            if (position != text.Length)
            {
                throw new InvalidOperationException($"Unexpected '{text[position..]}' in '{text}'.");
            }
        }

        public object? ParseExpression()
        {
            var value = ParsePrimary();
            while (true)
            {
                SkipSpace();
                if (Peek('.'))
                {
                    position++;
                    value = Member(value, Identifier());
                }
                else if (Peek('['))
                {
                    position++;
                    var index = ParseExpression();
                    Expect(']');
                    value = Index(value, index);
                }
                else
                {
                    return value;
                }
            }
        }

        private object? ParsePrimary()
        {
            SkipSpace();
            if (Peek('\''))
            {
                position++;
                var literal = new StringBuilder();
                while (true)
                {
                    if (text[position] == '\'')
                    {
                        if (position + 1 < text.Length && text[position + 1] == '\'')
                        {
                            literal.Append('\'');
                            position += 2;
                            continue;
                        }

                        position++;
                        return literal.ToString();
                    }

                    literal.Append(text[position++]);
                }
            }

            if (char.IsDigit(text[position]) || text[position] == '-')
            {
                var start = position++;
                while (position < text.Length && char.IsDigit(text[position]))
                {
                    position++;
                }

                return long.Parse(text[start..position], CultureInfo.InvariantCulture);
            }

            var name = Identifier();
            Expect('(');
            var args = new List<object?>();
            SkipSpace();
            if (!Peek(')'))
            {
                do
                {
                    args.Add(ParseExpression());
                    SkipSpace();
                }
                while (Peek(',') && position++ >= 0);
            }

            Expect(')');
            return scope.Call(name, args);
        }

        private string Identifier()
        {
            SkipSpace();
            var start = position;
            while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] == '_'))
            {
                position++;
            }

            return position > start ? text[start..position] : throw new InvalidOperationException($"Identifier expected at {position} in '{text}'.");
        }

        private bool Peek(char c) => position < text.Length && text[position] == c;

        private void Expect(char c)
        {
            SkipSpace();
            if (!Peek(c))
            {
                throw new InvalidOperationException($"'{c}' expected at {position} in '{text}'.");
            }

            position++;
        }

        private void SkipSpace()
        {
            while (position < text.Length && text[position] == ' ')
            {
                position++;
            }
        }
    }
}

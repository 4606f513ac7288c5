using System.Globalization;

namespace Demand.Dashboard.Tests;

/// <summary>How the page formats numbers in English (Intl.NumberFormat "en"), to compare its text with the API's values.</summary>
public static class Format
{
    public static string Number(double value, int digits = 1) =>
        value.ToString(digits == 0 ? "#,##0" : "#,##0." + new string('#', digits), CultureInfo.InvariantCulture);

    public static string Percent(double value) => Number(value * 100, 1) + "%";
}

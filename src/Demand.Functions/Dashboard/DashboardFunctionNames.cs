namespace Demand.Functions.Dashboard;

/// <summary>Names of the dashboard's functions; all start with <see cref="DashboardRoutes.FunctionPrefix"/>.</summary>
public static class DashboardFunctionNames
{
    public const string Page = "DashboardPage";
    public const string Asset = "DashboardAsset";
    public const string SignIn = "DashboardSignIn";
    public const string SignInLink = "DashboardSignInLink";
    public const string Session = "DashboardSession";
    public const string SignOut = "DashboardSignOut";
}

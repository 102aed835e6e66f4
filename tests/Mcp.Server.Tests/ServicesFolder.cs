namespace Mcp.Server.Tests;

/// <summary>Finds <c>services/&lt;name&gt;</c> by walking up from the test binaries to the repository root.</summary>
public static class ServicesFolder
{
    public static string Of(string service)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "services", service);
            if (File.Exists(Path.Combine(candidate, "service.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No services/{service}/service.json above {AppContext.BaseDirectory}. Run the tests from a checkout of the repository.");
    }
}

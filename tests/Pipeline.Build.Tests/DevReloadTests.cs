using Pipeline.Build.Dev;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests;

public sealed class DevReloadTests
{
    static readonly string Root = RepositoryRoot.Find();

    static ServiceManifest Service(string name) => ServiceCatalog.Load(Path.Combine(Root, "services"))[name];

    static DevContext Context => new(null!, Root, Path.Combine(Path.GetTempPath(), "dev"), Pipeline.Build.Local.LocalPlatformNaming.Default, null);

    [Theory]
    [InlineData("app/main.py", ReloadKind.Reload)]
    [InlineData("tests/test_json_api.py", ReloadKind.Reload)]
    [InlineData("pytest.ini", ReloadKind.Reload)]
    [InlineData("requirements.txt", ReloadKind.Rebuild)]
    [InlineData("requirements-dev.txt", ReloadKind.Rebuild)]
    [InlineData("Dockerfile", ReloadKind.Rebuild)]
    [InlineData("service.json", ReloadKind.Rebuild)]
    [InlineData("README.md", ReloadKind.Ignore)]
    public void A_python_service_reloads_its_code_and_tests_and_rebuilds_for_its_dependencies_image_or_manifest(string path, ReloadKind expected) =>
        IServiceReload.ForService(Service("fastapi"), Context).Classify([path]).Should().Be(expected);

    [Theory]
    [InlineData("Tools/HashTools.cs", ReloadKind.Reload)]
    [InlineData("appsettings.json", ReloadKind.Reload)]
    [InlineData("Mcp.Server.csproj", ReloadKind.Rebuild)]
    [InlineData("Directory.Packages.props", ReloadKind.Rebuild)]
    [InlineData("Dockerfile", ReloadKind.Rebuild)]
    [InlineData("README.md", ReloadKind.Ignore)]
    public void A_dotnet_service_reloads_its_sources_and_rebuilds_for_its_project_image_or_manifest(string path, ReloadKind expected) =>
        IServiceReload.ForService(Service("mcp"), Context).Classify([path]).Should().Be(expected);

    [Fact]
    public void One_save_that_touches_the_project_file_and_a_source_rebuilds() =>
        IServiceReload.ForService(Service("mcp"), Context).Classify(["Program.cs", "Mcp.Server.csproj"]).Should().Be(ReloadKind.Rebuild);

    [Theory]
    [InlineData("app/main.py", true)]
    [InlineData("bin/Debug/net10.0/Mcp.Server.dll", false)]
    [InlineData("obj/project.assets.json", false)]
    [InlineData("app/__pycache__/main.cpython-313.pyc", false)]
    [InlineData(".pytest_cache/v/cache", false)]
    [InlineData("app/.main.py.swp", false)]
    [InlineData("app/main.py~", false)]
    public void Build_output_caches_and_editor_files_are_not_sources(string path, bool isSource) =>
        SourceWatcher.IsSource(path).Should().Be(isSource);
}

using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

public class DockerIgnoreTests
{
    [Theory]
    [InlineData("*.md", "README.md", true)]
    [InlineData("*.md", "docs/README.md", false)]
    [InlineData("**/*.md", "docs/deep/README.md", true)]
    [InlineData("**/*.md", "README.md", true)]
    [InlineData("bin", "bin/Debug/app.dll", true)]
    [InlineData("bin", "src/bin/app.dll", false)]
    [InlineData("**/bin", "src/app/bin/Debug/app.dll", true)]
    [InlineData("**/*.py[cod]", "app/__init__.pyc", true)]
    [InlineData("**/*.py[cod]", "app/__init__.py", false)]
    [InlineData("/secrets/", "secrets/key.pem", true)]
    [InlineData("./tmp", "tmp/x", true)]
    [InlineData("te?t", "test", true)]
    [InlineData("te?t", "te/t", false)]
    [InlineData("docs/**", "docs/a/b/c.txt", true)]
    [InlineData("docs/**", "docs2/a.txt", false)]
    public void A_pattern_excludes_what_docker_would_exclude(string pattern, string path, bool excluded) =>
        DockerIgnore.Parse(pattern).IsExcluded(path).Should().Be(excluded);

    [Fact]
    public void An_exception_re_includes_a_file_and_the_last_matching_rule_wins()
    {
        var ignore = DockerIgnore.Parse("*.md\n!README.md\n");
        ignore.IsExcluded("CHANGES.md").Should().BeTrue();
        ignore.IsExcluded("README.md").Should().BeFalse();

        var reversed = DockerIgnore.Parse("!README.md\n*.md\n");
        reversed.IsExcluded("README.md").Should().BeTrue();
        ignore.HasExceptions.Should().BeTrue();
    }

    [Fact]
    public void Comments_blank_lines_and_surrounding_spaces_are_ignored()
    {
        var ignore = DockerIgnore.Parse("# build output\n\n   obj   \r\n#bin\n");
        ignore.IsExcluded("obj/project.assets.json").Should().BeTrue();
        ignore.IsExcluded("bin/app.dll").Should().BeFalse();
        ignore.HasExceptions.Should().BeFalse();
    }

    [Fact]
    public void A_context_without_a_dockerignore_excludes_nothing()
    {
        using var folder = new TemporaryServiceFolder();
        DockerIgnore.Load(folder.Directory).IsExcluded("app/main.py").Should().BeFalse();
    }
}

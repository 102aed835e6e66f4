using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Layout;

/// <summary>
/// build/README.md's map of build/ stays true: it names every Build*.cs file of Pipeline.Build and every folder
/// in it, and nothing of either kind that is gone.
/// </summary>
public sealed class BuildReadmeMapTests
{
    static readonly string Root = RepositoryRoot.Find(AppContext.BaseDirectory);
    static readonly string ProjectDirectory = Path.Combine(Root, "build", "Pipeline.Build");
    const string ProjectInMap = "build/Pipeline.Build/";

    [Fact]
    public void The_map_names_every_target_file_and_every_folder_of_the_pipeline()
    {
        var named = ReadmeTree.Parse(File.ReadAllText(Path.Combine(Root, "build", "README.md")));

        var missing = OnDisk().Where(path => !named.Contains(ProjectInMap + path)).ToList();

        missing.Should().BeEmpty(
            $"build/README.md's map of build/ must name every Build*.cs file and every folder of build/Pipeline.Build; add {string.Join(", ", missing)} " +
            "to the tree in build/README.md (a folder as Name/, indented two spaces under its parent folder, with a few words on what it holds)");
    }

    [Fact]
    public void The_map_names_no_target_file_or_folder_that_is_gone()
    {
        var named = ReadmeTree.Parse(File.ReadAllText(Path.Combine(Root, "build", "README.md")));
        var onDisk = OnDisk().Select(path => ProjectInMap + path).ToHashSet();

        var gone = named
            .Where(path => path.StartsWith(ProjectInMap, StringComparison.Ordinal) && path != ProjectInMap)
            .Where(path => path.EndsWith('/') || IsTargetFile(path[ProjectInMap.Length..]))
            .Where(path => !onDisk.Contains(path))
            .ToList();

        gone.Should().BeEmpty($"build/README.md's map names {string.Join(", ", gone)}, which build/Pipeline.Build no longer has; update the tree in build/README.md");
    }

    [Fact]
    public void A_line_of_the_tree_belongs_to_the_folder_above_it_with_less_indentation()
    {
        const string readme = """
            # title

            ```
            ./build.sh Deploy
              --profile dev
            ```

            ```
            build/
              Pipeline.Build/              the pipeline
                Build.cs                   the parameters
                Aws/                       the AWS platform, described
                                           over two lines
                  Diff/                    template diffs
                    Rules/                 one per file
                  Roles/                   policies
                Engine/                    the engine
              tools/                       node tools
            ```

            ```
            not/
              the/                         map
            ```
            """;

        ReadmeTree.Parse(readme).Should().BeEquivalentTo(
            "build/", "build/Pipeline.Build/", "build/Pipeline.Build/Build.cs", "build/Pipeline.Build/Aws/",
            "build/Pipeline.Build/Aws/Diff/", "build/Pipeline.Build/Aws/Diff/Rules/", "build/Pipeline.Build/Aws/Roles/",
            "build/Pipeline.Build/Engine/", "build/tools/");
    }

    /// <summary>The Build*.cs files directly in the project and its folders (with files in them, bin and obj aside), relative, folders ending in '/'.</summary>
    static IEnumerable<string> OnDisk()
    {
        var files = Directory.GetFiles(ProjectDirectory, "Build*.cs").Select(file => Path.GetFileName(file));
        var folders = Directory.GetDirectories(ProjectDirectory, "*", SearchOption.AllDirectories)
            .Select(folder => Path.GetRelativePath(ProjectDirectory, folder).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(folder => folder.Split('/')[0] is not ("bin" or "obj"))
            // Git keeps no empty folder: one left behind by a checkout is not part of the project.
            .Where(folder => Directory.EnumerateFiles(Path.Combine(ProjectDirectory, folder), "*", SearchOption.AllDirectories).Any())
            .Select(folder => folder + "/");
        return files.Concat(folders).Order(StringComparer.Ordinal);
    }

    static bool IsTargetFile(string relativePath) =>
        !relativePath.Contains('/') && relativePath.StartsWith("Build", StringComparison.Ordinal) && relativePath.EndsWith(".cs", StringComparison.Ordinal);
}

/// <summary>
/// Reads the map in a README: the first fenced block whose first line is a folder ("build/"). Each entry is a name at the
/// start of a line, a folder ending in '/'; its indentation tells its parent, the nearest folder above it with less.
/// A line indented deeper than one step below the entry before it continues that entry's description.
/// </summary>
internal static class ReadmeTree
{
    const int Step = 2;

    /// <summary>The full path of every entry, e.g. "build/Pipeline.Build/Aws/Roles/" and "build/Pipeline.Build/Build.cs".</summary>
    public static IReadOnlySet<string> Parse(string readme)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var parents = new Stack<(int Indent, string Path)>();
        var lastIndent = -Step;
        var inBlock = false;
        var atBlockStart = false;
        var inMap = false;
        foreach (var line in readme.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (inMap) break;
                inBlock = !inBlock;
                atBlockStart = inBlock;
                continue;
            }
            if (!inBlock || line.Trim().Length == 0)
                continue;

            var indent = line.Length - line.TrimStart(' ').Length;
            var name = line.Trim().Split(' ', 2)[0];
            if (atBlockStart)
            {
                atBlockStart = false;
                inMap = indent == 0 && name.EndsWith('/');
            }
            if (!inMap || indent > lastIndent + Step)
                continue;

            while (parents.Count > 0 && parents.Peek().Indent >= indent)
                parents.Pop();
            var path = (parents.Count > 0 ? parents.Peek().Path : "") + name;
            paths.Add(path);
            if (name.EndsWith('/'))
                parents.Push((indent, path));
            lastIndent = indent;
        }
        return paths;
    }
}

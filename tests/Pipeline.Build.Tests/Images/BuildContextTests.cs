using System.Formats.Tar;
using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

public class BuildContextTests
{
    [Fact]
    public async Task The_tar_holds_the_context_without_ignored_files_but_always_the_dockerfile()
    {
        using var folder = new TemporaryServiceFolder();
        folder.Write(".dockerignore", "Dockerfile\nbin\n*.log\n!keep.log\n")
            .Write("bin/app.dll", "binary")
            .Write("debug.log", "noise")
            .Write("keep.log", "kept");

        var names = await TarEntryNames(BuildContext.Load(folder.Directory));

        names.Should().Equal(".dockerignore", "Dockerfile", "app/", "app/main.py", "keep.log");
    }

    [Fact]
    public async Task Writing_the_same_context_twice_gives_identical_bytes()
    {
        using var folder = new TemporaryServiceFolder();
        var first = new MemoryStream();
        await BuildContext.Load(folder.Directory).WriteTarAsync(first, CancellationToken.None);
        File.SetLastWriteTimeUtc(Path.Combine(folder.Directory, "app/main.py"), DateTime.UtcNow.AddHours(-5));
        var second = new MemoryStream();
        await BuildContext.Load(folder.Directory).WriteTarAsync(second, CancellationToken.None);

        second.ToArray().Should().Equal(first.ToArray());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Executable_files_keep_their_executable_bit()
    {
        using var folder = new TemporaryServiceFolder();
        folder.Write("healthcheck", "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(folder.Directory, "healthcheck"), (UnixFileMode)0b111_101_101);
        var tar = new MemoryStream();
        await BuildContext.Load(folder.Directory).WriteTarAsync(tar, CancellationToken.None);
        tar.Position = 0;

        var modes = new Dictionary<string, UnixFileMode>();
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync() is { } entry)
            modes[entry.Name] = entry.Mode;

        modes["healthcheck"].Should().HaveFlag(UnixFileMode.UserExecute);
        modes["app/main.py"].Should().NotHaveFlag(UnixFileMode.UserExecute);
    }

    static async Task<List<string>> TarEntryNames(BuildContext context)
    {
        var tar = new MemoryStream();
        await context.WriteTarAsync(tar, CancellationToken.None);
        tar.Position = 0;
        var names = new List<string>();
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync() is { } entry)
            names.Add(entry.Name);
        return names;
    }
}

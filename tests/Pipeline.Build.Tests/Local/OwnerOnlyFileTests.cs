using Pipeline.Build.Tests.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Local;

public sealed class OwnerOnlyFileTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("owner-only-").FullName;

    [Fact]
    public void The_next_write_removes_a_temporary_file_a_killed_writer_left_beside_it_and_nothing_else()
    {
        var record = Path.Combine(folder, "gateway.json");
        var abandoned = Beside(record, ScratchFilesTests.ExitedProcessId());
        var beingWritten = Beside(record, Environment.ProcessId);
        var ofAnotherFile = Beside(Path.Combine(folder, "local-issuer.json"), ScratchFilesTests.ExitedProcessId());

        OwnerOnlyFile.Replace(record, "{\"processId\": 42}");

        File.ReadAllText(record).Should().Be("{\"processId\": 42}");
        File.Exists(abandoned).Should().BeFalse("its writer was killed before moving it into place; it may hold the admin token");
        File.Exists(beingWritten).Should().BeTrue("its writer still runs and is about to move it into place");
        File.Exists(ofAnotherFile).Should().BeTrue("each write looks only beside its own file");
        Directory.GetFiles(folder).Should().HaveCount(3, "the write leaves no temporary file of its own");
    }

    static string Beside(string path, int writer)
    {
        var temporary = $"{path}.{writer}-{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, "half a record");
        return temporary;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}

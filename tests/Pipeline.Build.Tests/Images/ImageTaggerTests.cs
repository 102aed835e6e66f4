using Pipeline.Build.Engine;
using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

public class ImageTaggerTests
{
    [Fact]
    public void The_same_sources_give_the_same_tag_wherever_they_sit_and_whenever_they_were_written()
    {
        using var original = new TemporaryServiceFolder();
        var tag = ImageTagger.ComputeTag(original.Service, null);
        File.SetLastWriteTimeUtc(Path.Combine(original.Directory, "app/main.py"), DateTime.UtcNow.AddDays(-3));
        using var copy = original.CopyElsewhere();

        ImageTagger.ComputeTag(original.Service, null).Should().Be(tag);
        ImageTagger.ComputeTag(copy.Service, null).Should().Be(tag);
        tag.Should().MatchRegex("^[0-9a-f]{16}$");
    }

    [Fact]
    public void Changing_a_file_of_the_context_changes_the_tag()
    {
        using var folder = new TemporaryServiceFolder();
        var before = ImageTagger.ComputeTag(folder.Service, null);

        folder.Write("app/main.py", "print('changed')\n");

        ImageTagger.ComputeTag(folder.Service, null).Should().NotBe(before);
    }

    [Fact]
    public void Adding_or_renaming_a_file_changes_the_tag()
    {
        using var folder = new TemporaryServiceFolder();
        var before = ImageTagger.ComputeTag(folder.Service, null);
        folder.Write("app/extra.py", "");
        var withExtra = ImageTagger.ComputeTag(folder.Service, null);
        folder.Delete("app/extra.py");
        folder.Write("app/other.py", "");

        withExtra.Should().NotBe(before);
        ImageTagger.ComputeTag(folder.Service, null).Should().NotBe(withExtra).And.NotBe(before);
    }

    [Fact]
    public void A_file_excluded_by_dockerignore_does_not_change_the_tag()
    {
        using var folder = new TemporaryServiceFolder();
        folder.Write(".dockerignore", "**/__pycache__\n");
        var before = ImageTagger.ComputeTag(folder.Service, null);

        folder.Write("app/__pycache__/main.cpython-313.pyc", "bytecode");

        ImageTagger.ComputeTag(folder.Service, null).Should().Be(before);
    }

    [Fact]
    public void The_base_image_registry_is_part_of_the_tag()
    {
        using var folder = new TemporaryServiceFolder();

        ImageTagger.ComputeTag(folder.Service, "127.0.0.1:5000").Should().NotBe(ImageTagger.ComputeTag(folder.Service, null));
        ImageTagger.ComputeTag(folder.Service, "127.0.0.1:5000/").Should().Be(ImageTagger.ComputeTag(folder.Service, "127.0.0.1:5000"));
    }

    [Fact]
    public void Changing_the_dockerfile_changes_the_tag()
    {
        using var folder = new TemporaryServiceFolder();
        var before = ImageTagger.ComputeTag(folder.Service, null);

        folder.Write("Dockerfile", "FROM python:3.13.9-slim-trixie\nCOPY app ./app\nUSER 10001\n");

        ImageTagger.ComputeTag(folder.Service, null).Should().NotBe(before);
    }

    [Fact]
    public void A_service_without_a_dockerfile_is_a_clear_error()
    {
        using var folder = new TemporaryServiceFolder("orders");
        folder.Delete("Dockerfile");

        var act = () => ImageTagger.ComputeTag(folder.Service, null);

        act.Should().Throw<PipelineException>().WithMessage("orders: Dockerfile missing at *Add a Dockerfile*");
    }

    [Fact]
    public void An_image_lives_in_the_repository_named_after_its_service()
    {
        using var folder = new TemporaryServiceFolder("orders");

        var image = ImageTagger.ImageFor(folder.Service, "127.0.0.1:5000/", null);

        image.Repository.Should().Be("127.0.0.1:5000/orders");
        image.Reference.Should().Be("127.0.0.1:5000/orders:" + ImageTagger.ComputeTag(folder.Service, null));
    }
}

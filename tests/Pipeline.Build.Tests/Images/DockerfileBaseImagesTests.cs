using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

public class DockerfileBaseImagesTests
{
    const string MultiStage = """
        # comment
        ARG BASE_IMAGE_PREFIX=""
        FROM --platform=linux/amd64 ${BASE_IMAGE_PREFIX}mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
        RUN dotnet publish
        FROM build AS test
        FROM ${BASE_IMAGE_PREFIX}\
        mcr.microsoft.com/dotnet/aspnet:10.0.0 AS runtime
        COPY --from=build /out ./
        """;

    [Fact]
    public void Base_images_take_the_prefix_given_as_build_argument()
    {
        var images = DockerfileBaseImages.Resolve(MultiStage, new Dictionary<string, string> { ["BASE_IMAGE_PREFIX"] = "127.0.0.1:5000/" });

        images.Should().Equal("127.0.0.1:5000/mcr.microsoft.com/dotnet/sdk:10.0.100", "127.0.0.1:5000/mcr.microsoft.com/dotnet/aspnet:10.0.0");
    }

    [Fact]
    public void Without_the_argument_the_declared_default_applies_and_stages_are_not_base_images()
    {
        var images = DockerfileBaseImages.Resolve(MultiStage, new Dictionary<string, string>());

        images.Should().Equal("mcr.microsoft.com/dotnet/sdk:10.0.100", "mcr.microsoft.com/dotnet/aspnet:10.0.0");
    }

    [Fact]
    public void A_fallback_in_the_reference_is_used_when_the_argument_is_empty()
    {
        var images = DockerfileBaseImages.Resolve("ARG TAG\nFROM python:${TAG:-3.13}\n", new Dictionary<string, string>());

        images.Should().Equal("python:3.13");
    }
}

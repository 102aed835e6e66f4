using System.Diagnostics;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

// Usage: ImagesBench <repository-root> <base-image-registry> <services: all|a,b> <concurrent|sequential> [--no-cache] [--cleanup]
// Builds and pushes the selected services, prints "seconds=<elapsed>" last.
var repositoryRoot = args[0];
var baseImageRegistry = args[1];
var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());
var selected = args[2] == "all" ? catalog.Services.ToList() : args[2].Split(',').Select(name => catalog[name]).ToList();
var sequential = args[3] == "sequential";
var options = new ImageBuildOptions { BaseImageRegistry = baseImageRegistry, NoCache = args.Contains("--no-cache") };
var log = new ConsoleStepLog();

using var engine = new DockerEngine();
using var registry = new RegistryClient();
var builder = new ImageBuilder(engine, registry);
var pusher = new ImagePusher(engine, registry);

if (args.Contains("--cleanup"))
{
    var docker = await engine.ConnectAsync();
    foreach (var image in selected.Select(s => ImageTagger.ImageFor(s, repositoryRoot, baseImageRegistry)))
        try
        {
            await docker.Images.DeleteImageAsync(image.Reference, new Docker.DotNet.Models.ImageDeleteParameters { Force = true });
        }
        catch (Docker.DotNet.DockerImageNotFoundException)
        {
        }
    return 0;
}

try
{
    var clock = Stopwatch.StartNew();
    var images = selected.Select(s => ImageTagger.ImageFor(s, repositoryRoot, baseImageRegistry)).ToList();
    IReadOnlyList<ServiceImage>[] batches = sequential ? images.Select(i => (IReadOnlyList<ServiceImage>)[i]).ToArray() : [images];
    foreach (var batch in batches)
    {
        var built = await builder.BuildAsync(batch, options, log);
        await pusher.PushAsync(built.Select(b => b.Image).ToList(), null, dryRun: false, log);
    }
    Console.WriteLine($"seconds={clock.Elapsed.TotalSeconds:0.00}");
    return 0;
}
catch (PipelineException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

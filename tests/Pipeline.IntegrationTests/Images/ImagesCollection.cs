namespace Pipeline.IntegrationTests.Images;

/// <summary>Image tests share one cold build of the real services and run one after the other (builds are CPU-heavy).</summary>
[CollectionDefinition(Name)]
public sealed class ImagesCollection : ICollectionFixture<BuiltServicesFixture>
{
    public const string Name = "Images";
}

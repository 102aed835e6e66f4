namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>Tests that share one moto server. They run one after the other, which also keeps the machine's load low.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}

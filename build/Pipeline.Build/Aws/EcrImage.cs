namespace Pipeline.Build.Aws;

/// <summary>An image in an ECR repository.</summary>
public sealed record EcrImage(string RepositoryName, string Digest, IReadOnlyList<string> Tags, DateTimeOffset? PushedAt);

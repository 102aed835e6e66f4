using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// The ECR repository operations Destroy uses: which repositories an environment has, how many images each holds, and
/// deleting one (with its images). Kept apart from <see cref="EcrClient"/> (login and image lookup for deploys).
/// </summary>
public sealed class EcrRepositories(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.Ecr, "AmazonEC2ContainerRegistry_V20150921", http);

    /// <summary>Every repository of the account and region whose name starts with <paramref name="namePrefix"/>, by name.</summary>
    public async Task<IReadOnlyList<EcrRepository>> ListAsync(string namePrefix, CancellationToken ct)
    {
        var repositories = new List<EcrRepository>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["maxResults"] = 1000 };
            if (nextToken is not null) request["nextToken"] = nextToken;
            var result = await json.CallAsync("DescribeRepositories", request, ct);
            repositories.AddRange(result.Items("repositories")
                .Select(r => new EcrRepository(r.Text("repositoryName"), r.Text("repositoryUri")))
                .Where(r => r.Name.StartsWith(namePrefix, StringComparison.Ordinal)));
            nextToken = result.Text("nextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return repositories.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>How many images (distinct digests) the repository holds; 0 when it does not exist.</summary>
    public async Task<int> CountImagesAsync(string repositoryName, CancellationToken ct)
    {
        var digests = new HashSet<string>(StringComparer.Ordinal);
        string? nextToken = null;
        try
        {
            do
            {
                var request = new JsonObject { ["repositoryName"] = repositoryName, ["maxResults"] = 1000 };
                if (nextToken is not null) request["nextToken"] = nextToken;
                var result = await json.CallAsync("ListImages", request, ct);
                foreach (var image in result.Items("imageIds"))
                    digests.Add(image.Text("imageDigest"));
                nextToken = result.Text("nextToken") is { Length: > 0 } token ? token : null;
            }
            while (nextToken is not null);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "RepositoryNotFoundException")
        {
            return 0;
        }
        return digests.Count;
    }

    /// <summary>Deletes the repository; <paramref name="force"/> deletes the images in it too.</summary>
    /// <returns>False when it did not exist (any more).</returns>
    public async Task<bool> DeleteAsync(string repositoryName, bool force, CancellationToken ct)
    {
        try
        {
            await json.CallAsync("DeleteRepository", new JsonObject { ["repositoryName"] = repositoryName, ["force"] = force }, ct);
            return true;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "RepositoryNotFoundException")
        {
            return false;
        }
    }
}

/// <summary>One ECR repository: its name (<c>apigw-dev/fastapi</c>) and URI.</summary>
public sealed record EcrRepository(string Name, string Uri);

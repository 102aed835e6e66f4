using System.Reflection;

namespace Pipeline.Build.Engine;

/// <summary>Finds the <see cref="Target"/> properties of a build and resolves their relations.</summary>
internal sealed class TargetCatalog
{
    readonly Dictionary<string, ExecutableTarget> byName;

    TargetCatalog(IReadOnlyList<ExecutableTarget> targets)
    {
        Targets = targets;
        byName = targets.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>All targets in declaration order.</summary>
    public IReadOnlyList<ExecutableTarget> Targets { get; }

    public ExecutableTarget? Find(string name) => byName.GetValueOrDefault(name);

    public static TargetCatalog Discover(object build)
    {
        var properties = build.GetType()
            .GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(p => p.PropertyType == typeof(Target))
            .OrderBy(p => p.MetadataToken)
            .ToList();

        // A target property returns a new delegate on every read, but always over the same lambda method;
        // that method is how a Target passed to DependsOn(...) is recognised.
        var entries = properties
            .Select((p, index) =>
            {
                var factory = (Target)p.GetValue(build)!;
                var definition = new TargetDefinition();
                factory(definition);
                return (Method: factory.Method, Target: new ExecutableTarget(p.Name, index, definition));
            })
            .ToList();
        var byMethod = entries.ToDictionary(e => e.Method, e => e.Target);

        ExecutableTarget Resolve(Target reference, ExecutableTarget from) =>
            byMethod.TryGetValue(reference.Method, out var target)
                ? target
                : throw new PipelineException($"Target {from.Name} refers to a target that is not a Target property of {build.GetType().Name}.");

        foreach (var (_, target) in entries)
        {
            var d = target.Definition;
            target.Dependencies.AddRange(d.Dependencies.Select(r => Resolve(r, target)));
            target.RunsAfter.AddRange(d.RunsAfter.Select(r => Resolve(r, target)));
            target.RunsBefore.AddRange(d.RunsBefore.Select(r => Resolve(r, target)));
            target.Triggered.AddRange(d.Triggered.Select(r => Resolve(r, target)));
        }
        return new TargetCatalog(entries.Select(e => e.Target).ToList());
    }

    /// <summary>Resolves user-typed names (any case) or fails naming the targets that exist.</summary>
    public IReadOnlyList<ExecutableTarget> ResolveNames(IEnumerable<string> names, string role)
    {
        var result = new List<ExecutableTarget>();
        foreach (var name in names)
        {
            var target = Find(name) ?? throw new PipelineException(
                $"Unknown {role} '{name}'. {Suggestion.For(name, Targets.Select(t => t.Name))}Targets: {string.Join(", ", Targets.Where(t => !t.Definition.IsUnlisted).Select(t => t.Name))}.");
            result.Add(target);
        }
        return result;
    }
}

using System.Reflection;
using System.Text;

namespace Pipeline.Build.Engine;

/// <summary>One parameter of a build: its member, names in each source, type and description.</summary>
internal sealed class ParameterDescriptor(MemberInfo member, ParameterAttribute attribute)
{
    public MemberInfo Member { get; } = member;
    public string Name => Member.Name;
    public string Description => attribute.Description;
    public bool IsSecret => attribute.Secret;
    public double Minimum => attribute.Minimum;
    public double Maximum => attribute.Maximum;

    public Type Type => Member switch
    {
        FieldInfo f => f.FieldType,
        PropertyInfo p => p.PropertyType,
        _ => throw new InvalidOperationException(),
    };

    /// <summary><c>BaseImageRegistry</c> → <c>--base-image-registry</c>.</summary>
    public string CliName => "--" + Words(Name, '-').ToLowerInvariant();

    /// <summary><c>BaseImageRegistry</c> → <c>BASE_IMAGE_REGISTRY</c>.</summary>
    public string EnvironmentName => Words(Name, '_').ToUpperInvariant();

    public object? GetValue(object build) => Member switch
    {
        FieldInfo f => f.GetValue(build),
        PropertyInfo p => p.GetValue(build),
        _ => null,
    };

    public void SetValue(object build, object? value)
    {
        switch (Member)
        {
            case FieldInfo f: f.SetValue(build, value); break;
            case PropertyInfo p: p.SetValue(build, value); break;
        }
    }

    public static IReadOnlyList<ParameterDescriptor> Discover(Type buildType) =>
        buildType
            .GetMembers(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m is FieldInfo or PropertyInfo)
            .Select(m => (Member: m, Attribute: m.GetCustomAttribute<ParameterAttribute>()))
            .Where(x => x.Attribute is not null)
            .OrderBy(x => x.Member.MetadataToken)
            .Select(x => new ParameterDescriptor(x.Member, x.Attribute!))
            .ToList();

    static string Words(string pascal, char separator)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            var startsWord = i > 0 && char.IsUpper(c) &&
                (char.IsLower(pascal[i - 1]) || (i + 1 < pascal.Length && char.IsLower(pascal[i + 1])));
            if (startsWord) builder.Append(separator);
            builder.Append(c);
        }
        return builder.ToString();
    }
}

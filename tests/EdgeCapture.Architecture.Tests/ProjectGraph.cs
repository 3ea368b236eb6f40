using System.Xml.Linq;

namespace EdgeCapture.Architecture.Tests;

/// <summary>The project reference graph of src/, read from the project files themselves (the source of truth).</summary>
internal sealed class ProjectGraph
{
    private readonly Dictionary<string, IReadOnlyList<string>> _directReferences;

    private ProjectGraph(Dictionary<string, IReadOnlyList<string>> directReferences) => _directReferences = directReferences;

    public IEnumerable<string> Projects => _directReferences.Keys;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static ProjectGraph Load()
    {
        var references = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (string projectFile in Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            XDocument document = XDocument.Load(projectFile);
            references[Path.GetFileNameWithoutExtension(projectFile)] = document.Descendants("ProjectReference")
                .Select(element => Path.GetFileNameWithoutExtension(element.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToList();
        }

        return new ProjectGraph(references);
    }

    public IReadOnlyList<string> DirectReferences(string project) => _directReferences[project];

    public IReadOnlySet<string> TransitiveReferences(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(_directReferences[project]);
        while (pending.Count > 0)
        {
            string next = pending.Pop();
            if (seen.Add(next) && _directReferences.TryGetValue(next, out IReadOnlyList<string>? further))
            {
                foreach (string reference in further)
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }

    private static string FindRepositoryRoot()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EdgeCapture.sln not found above " + AppContext.BaseDirectory);
    }
}

// The appliance and its tests are Linux-only (key file modes, pipes, the age CLI).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

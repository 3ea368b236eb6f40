// The box and its tests run on Linux only (file modes, loopback brokers).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

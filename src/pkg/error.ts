// The error of the package commands and of package imports: the user's manifest, lock file or
// dependencies are wrong. Its own file, so that the command line can recognise it without
// loading the TOML and semver libraries.
export class PackageError extends Error {}

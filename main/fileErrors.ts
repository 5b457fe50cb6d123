/**
 * Node's file errors in words: the path, what was being done, and what is wrong, never the raw
 * `EISDIR: illegal operation on a directory, read` (ARCHITECTURE §10: no raw Node error reaches a user).
 */
const reasons: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
  ELOOP: 'is a symbolic link (caplab does not follow links here)',
  ENAMETOOLONG: 'the name is too long',
  EBUSY: 'is busy',
  EXDEV: 'is on another file system than its temporary folder',
};

/** A message naming `path` (and the option or role it came from) and what went wrong with it. */
export function describeFileError(error: unknown, path: string, role?: string): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason = code === undefined ? (error instanceof Error ? error.message : String(error)) : `${reasons[code] ?? 'cannot be used'} (${code})`;
  return `${role === undefined ? '' : `${role} `}${path}: ${reason}`;
}

/** True for an error from the file system (it has an errno code), as opposed to a bug. */
export function isFileError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

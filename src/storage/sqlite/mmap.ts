/**
 * Megabytes of a SQLite database file read through a memory map by default (KEYWARD_SQLITE_MMAP_MB). A key lookup
 * touches a dozen pages (the hash index, the row, the indexes of its limits, permissions and roles); on a store much
 * larger than SQLite's own page cache (16 MB in better-sqlite3's build) each was a read() system call and a copy
 * (docs/decisions/0031). Mapped pages are read in place from the operating system's file cache, but once touched they
 * count in the process's resident memory (VmHWM, RssFile), and a container's memory accounting counts them too: 64 MB
 * keeps the benchmark's 1,000,000-key store within issue 6's 512 MB of peak memory (452 MB measured; 829 MB with
 * 1 GiB), and no larger map saved CPU measurably (docs/decisions/0035). A store larger than the map reads its first
 * part through it and the rest with read().
 */
export const DEFAULT_SQLITE_MMAP_MB = 64;

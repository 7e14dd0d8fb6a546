/** Problems with a packed .vsix, in words; [] when it is complete. */
export declare function vsixProblems(file: string): string[];
export declare function readZip(buffer: Buffer): Map<string, () => Buffer>;

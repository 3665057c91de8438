CREATE TABLE `title_index_snapshots` (
	`generation` text NOT NULL,
	`part` integer NOT NULL,
	`parts` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`epoch` integer NOT NULL,
	`titles` integer NOT NULL,
	`data` blob NOT NULL,
	PRIMARY KEY(`generation`, `part`)
);

CREATE TABLE `idempotency_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`household_id` text,
	`fingerprint` text NOT NULL,
	`response` text,
	`locked_until` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expiry_idx` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE INDEX `idempotency_keys_household_idx` ON `idempotency_keys` (`household_id`);